// Leader election on the real control plane: two lease-candidate processes on one
// coordination.k8s.io/v1 Lease. A crashed leader (SIGKILL) is replaced within the lease duration;
// a cleanly stopped one releases the lease and its follower takes it at once. Every wait is on
// observable state: the candidates' stdout and the Lease as a watch delivers it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <functional>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "certchaos/kube/informer.h"
#include "plane.h"
#include "shared_plane.h"

extern char** environ;

namespace certchaos::testing {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;
using std::chrono::milliseconds;

// Short settings keep the test fast; their ratios are client-go's.
constexpr milliseconds kLease{3000};
constexpr milliseconds kRenewDeadline{2000};
constexpr milliseconds kRetry{500};
// The elector retries after retryPeriod plus up to 1.2x jitter, as client-go's JitterFactor.
constexpr milliseconds kMaxRetryInterval{kRetry * 22 / 10};
// For a machine shared with other builds and planes: API latency, scheduling.
constexpr milliseconds kMargin{1000};
constexpr milliseconds kStartTimeout{30'000};

std::string ms(Clock::duration d) {
  return std::to_string(std::chrono::duration_cast<milliseconds>(d).count()) + " ms";
}

// One candidate process: its stdout read line by line (with arrival times), stderr to a log.
class Candidate {
 public:
  Candidate(std::string identity, const std::string& kubeconfig, const std::string& ns,
            const std::string& lease, std::string logPath)
      : identity_(std::move(identity)), logPath_(std::move(logPath)) {
    std::vector<std::string> args = {LEASE_CANDIDATE_BINARY,
                                     kubeconfig,
                                     ns,
                                     lease,
                                     identity_,
                                     std::to_string(kLease.count()),
                                     std::to_string(kRenewDeadline.count()),
                                     std::to_string(kRetry.count())};
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::array<int, 2> fds{};
    if (pipe2(fds.data(), O_CLOEXEC) != 0) {
      ADD_FAILURE() << "pipe2: " << std::strerror(errno);
      eof_ = true;
      return;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, logPath_.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGTERM);
    sigaddset(&stopSignals, SIGINT);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &stopSignals);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    int rc = posix_spawn(&pid_, argv[0], &actions, &attr, argv.data(), environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    if (rc != 0) {
      ADD_FAILURE() << "cannot start " << argv[0] << ": " << std::strerror(rc);
      close(fds[0]);
      pid_ = 0;
      eof_ = true;
      return;
    }
    reader_ = std::thread([this, fd = fds[0]] { readLines(fd); });
  }

  ~Candidate() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      wait();
    }
    if (reader_.joinable()) reader_.join();
  }
  Candidate(const Candidate&) = delete;
  Candidate& operator=(const Candidate&) = delete;

  const std::string& identity() const { return identity_; }

  // When the line was printed; nullopt if it was not within the timeout (or the output ended).
  std::optional<Clock::time_point> waitForLine(const std::string& line, milliseconds timeout) {
    std::unique_lock lock(mu_);
    std::optional<Clock::time_point> seen;
    cv_.wait_for(lock, timeout, [&] {
      for (const auto& [text, at] : lines_) {
        if (text == line) seen = at;
      }
      return seen.has_value() || eof_;
    });
    return seen;
  }

  bool printed(const std::string& line) {
    std::lock_guard lock(mu_);
    for (const auto& entry : lines_) {
      if (entry.first == line) return true;
    }
    return false;
  }

  std::string output() {
    std::lock_guard lock(mu_);
    std::string all;
    for (const auto& entry : lines_) all += "  " + entry.first + "\n";
    return all;
  }

  // For failure messages: what it printed and what it logged.
  std::string describe() {
    return identity_ + " printed:\n" + output() + identity_ + " logged:\n" + readFile(logPath_);
  }

  void signal(int sig) {
    if (pid_ > 0 && !exited_) ::kill(pid_, sig);  // never pid 0: that is our process group
  }

  // Reaps the process and reads the rest of its output; its wait status.
  int wait() {
    int status = 0;
    if (pid_ > 0 && waitpid(pid_, &status, 0) == pid_) exited_ = true;
    if (reader_.joinable()) reader_.join();  // the pipe's end: every line it printed is in
    return status;
  }

 private:
  void readLines(int fd) {
    std::string pending;
    std::array<char, 4096> buf{};
    ssize_t n = 0;
    while ((n = read(fd, buf.data(), buf.size())) > 0 || (n < 0 && errno == EINTR)) {
      if (n < 0) continue;
      auto now = Clock::now();
      pending.append(buf.data(), static_cast<size_t>(n));
      std::lock_guard lock(mu_);
      for (auto eol = pending.find('\n'); eol != std::string::npos; eol = pending.find('\n')) {
        lines_.emplace_back(pending.substr(0, eol), now);
        pending.erase(0, eol + 1);
      }
      cv_.notify_all();
    }
    close(fd);
    std::lock_guard lock(mu_);
    eof_ = true;
    cv_.notify_all();
  }

  std::string identity_;
  std::string logPath_;
  pid_t pid_ = 0;
  bool exited_ = false;
  std::thread reader_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<std::string, Clock::time_point>> lines_;
  bool eof_ = false;
};

// The Lease as a watch delivers it: every change of holder, and every renewal, with its time.
class LeaseWatch {
 public:
  struct Record {
    std::string holder;
    std::string renewTime;
    Clock::time_point at;
  };

  LeaseWatch(std::shared_ptr<kube::Client> client, const std::string& ns, const std::string& name)
      : informer_(std::move(client), kube::resources::kLease, ns, options(name)) {
    auto record = [this](const kube::ObjectPtr& lease) {
      const json spec = lease->value("spec", json::object());
      std::lock_guard lock(mu_);
      history_.push_back(
          {spec.value("holderIdentity", ""), spec.value("renewTime", ""), Clock::now()});
      cv_.notify_all();
    };
    informer_.addHandlers(
        {record, [record](const kube::ObjectPtr&, const kube::ObjectPtr& o) { record(o); },
         nullptr});
    informer_.start();
  }

  // The handlers use the members below: stop them first.
  ~LeaseWatch() { informer_.stop(); }
  LeaseWatch(const LeaseWatch&) = delete;
  LeaseWatch& operator=(const LeaseWatch&) = delete;

  bool synced() { return informer_.waitForSync(kStartTimeout); }

  // When the watch first delivered `holder` at or after `since`.
  std::optional<Clock::time_point> waitForHolder(const std::string& holder, Clock::time_point since,
                                                 milliseconds timeout) {
    std::optional<Clock::time_point> seen;
    waitUntil(timeout, [&](const std::vector<Record>& history) {
      for (const auto& r : history) {
        if (r.at >= since && r.holder == holder) {
          seen = r.at;
          return true;
        }
      }
      return false;
    });
    return seen;
  }

  // Waits until `holder` has renewed the lease `count` times since `since`.
  bool waitForRenewals(const std::string& holder, Clock::time_point since, size_t count,
                       milliseconds timeout) {
    return waitUntil(timeout, [&](const std::vector<Record>& history) {
      size_t renewals = 0;
      for (size_t i = 1; i < history.size(); ++i) {
        const auto& r = history[i];
        if (r.at >= since && r.holder == holder && history[i - 1].holder == holder &&
            r.renewTime != history[i - 1].renewTime) {
          ++renewals;
        }
      }
      return renewals >= count;
    });
  }

  // The holders in the order the watch saw them, repeats folded: e.g. "a,,b".
  std::string holders() {
    std::lock_guard lock(mu_);
    std::string out;
    std::optional<std::string> last;
    for (const auto& r : history_) {
      if (last && *last == r.holder) continue;
      if (last) out += ",";
      out += r.holder;
      last = r.holder;
    }
    return out;
  }

 private:
  static kube::ReflectorOptions options(const std::string& name) {
    kube::ReflectorOptions o;
    o.fieldSelector = "metadata.name=" + name;
    return o;
  }

  bool waitUntil(milliseconds timeout,
                 const std::function<bool(const std::vector<Record>&)>& done) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return done(history_); });
  }

  kube::Informer informer_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Record> history_;
};

class LeaderElectionTest : public ::testing::Test {
 protected:
  static constexpr const char* kLeaseName = "certchaos-test-leader";

  void SetUp() override {
    ASSERT_TRUE(plane().ok());
    client_ = plane().admin();
    ASSERT_NE(client_, nullptr);
    ns_ = plane().freshNamespace("leader");
    watch_ = std::make_unique<LeaseWatch>(client_, ns_, kLeaseName);
    ASSERT_TRUE(watch_->synced()) << "the Lease watch did not sync";
  }

  static SharedPlane& plane() { return SharedPlane::get(); }

  std::unique_ptr<Candidate> startCandidate(const std::string& identity) {
    return std::make_unique<Candidate>(identity, plane().kubeconfig(), ns_, kLeaseName,
                                       logs_.path() + "/" + identity + ".log");
  }

  // Starts "a" and waits until it leads (by its own word and by the Lease), then starts "b" and
  // waits until b has read the Lease and named a as the leader.
  void startLeaderAndFollower() {
    const auto start = Clock::now();
    a_ = startCandidate("a");
    ASSERT_TRUE(a_->waitForLine("leading", kStartTimeout)) << a_->describe();
    ASSERT_TRUE(watch_->waitForHolder("a", start, kStartTimeout)) << watch_->holders();
    b_ = startCandidate("b");
    ASSERT_TRUE(b_->waitForLine("leader a", kStartTimeout)) << b_->describe();
  }

  json lease() {
    auto got = client_->get(kube::resources::kLease, ns_, kLeaseName);
    EXPECT_TRUE(got) << got.error().message;
    return got ? *got : json::object();
  }

  std::shared_ptr<kube::Client> client_;
  std::string ns_;
  TempDir logs_;
  std::unique_ptr<LeaseWatch> watch_;
  std::unique_ptr<Candidate> a_;
  std::unique_ptr<Candidate> b_;
};

TEST_F(LeaderElectionTest, KilledLeaderIsReplacedWithinTheLeaseDuration) {
  ASSERT_NO_FATAL_FAILURE(startLeaderAndFollower());
  const json before = lease()["spec"];
  EXPECT_EQ(before.value("holderIdentity", ""), "a");
  EXPECT_EQ(before.value("leaseDurationSeconds", 0), 3);

  // While a renews, b waits: watch a renew for longer than b would need to judge the lease
  // expired (10 renewals, at least 10 retry periods, exceed lease + the longest retry interval).
  ASSERT_TRUE(watch_->waitForRenewals("a", Clock::now(), 10, kStartTimeout)) << watch_->holders();
  EXPECT_FALSE(b_->printed("leading")) << b_->describe();
  EXPECT_EQ(watch_->holders(), "a");

  const auto killedAt = Clock::now();
  a_->signal(SIGKILL);
  const int status = a_->wait();
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  EXPECT_FALSE(a_->printed("stopped-leading")) << "a crashed; it cannot have stepped down";

  // b sees a's last renewal at most one retry interval after it happened, judges the lease
  // expired kLease later, and acquires it at its next try: lease + 2 retry intervals.
  const auto bound = kLease + 2 * kMaxRetryInterval + kMargin;
  auto takenOver = watch_->waitForHolder("b", killedAt, bound + std::chrono::seconds(10));
  ASSERT_TRUE(takenOver) << "b did not take over\n" << watch_->holders() << "\n" << b_->describe();
  const auto took = *takenOver - killedAt;
  EXPECT_LE(took, bound) << "took " << ms(took);
  // Nor earlier than the lease allows: a renewed at most one retry period (plus a request)
  // before it was killed, and b must wait out the whole lease from then.
  EXPECT_GE(took, kLease - 2 * kRetry) << "b took a lease that was still valid, after " << ms(took);
  EXPECT_TRUE(b_->waitForLine("leading", kStartTimeout)) << b_->describe();
  EXPECT_EQ(watch_->holders(), "a,b");
  std::cout << "takeover after SIGKILL of the leader: " << ms(took) << " (bound " << ms(bound)
            << ")\n";

  const json after = lease()["spec"];
  EXPECT_EQ(after.value("holderIdentity", ""), "b");
  EXPECT_EQ(after.value("leaseTransitions", -1), before.value("leaseTransitions", 0) + 1);
  EXPECT_NE(after.value("acquireTime", ""), before.value("acquireTime", ""));

  // b's clean stop hands the lease back: no holder left.
  const auto stoppedAt = Clock::now();
  b_->signal(SIGTERM);
  const int bStatus = b_->wait();
  EXPECT_TRUE(WIFEXITED(bStatus) && WEXITSTATUS(bStatus) == 0) << b_->describe();
  EXPECT_TRUE(watch_->waitForHolder("", stoppedAt, kStartTimeout)) << watch_->holders();
  EXPECT_EQ(lease()["spec"].value("holderIdentity", "?"), "");
}

TEST_F(LeaderElectionTest, CleanStopReleasesTheLeaseAndHandsItOverAtOnce) {
  ASSERT_NO_FATAL_FAILURE(startLeaderAndFollower());

  const auto stoppedAt = Clock::now();
  a_->signal(SIGTERM);
  const int status = a_->wait();
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << "\n" << a_->describe();
  EXPECT_EQ(a_->output(), "  leader a\n  leading\n  stopped-leading\n  exiting\n")
      << a_->describe();

  auto released = watch_->waitForHolder("", stoppedAt, kStartTimeout);
  ASSERT_TRUE(released) << "a did not release the lease\n" << watch_->holders();
  // b finds the lease free at its next try: one retry interval, nowhere near a lease duration.
  const auto bound = kMaxRetryInterval + kMargin;
  auto takenOver = watch_->waitForHolder("b", *released, kStartTimeout);
  ASSERT_TRUE(takenOver) << "b did not take over\n" << watch_->holders() << "\n" << b_->describe();
  const auto took = *takenOver - *released;
  EXPECT_LE(took, bound) << "took " << ms(took);
  EXPECT_LT(*takenOver - stoppedAt, kLease) << "handover took " << ms(*takenOver - stoppedAt);
  EXPECT_TRUE(b_->waitForLine("leading", kStartTimeout)) << b_->describe();
  EXPECT_EQ(watch_->holders(), "a,,b");
  std::cout << "handover after a clean stop: " << ms(*takenOver - stoppedAt)
            << " (release to takeover " << ms(took) << ", bound " << ms(bound) << ")\n";
  EXPECT_EQ(lease()["spec"].value("holderIdentity", ""), "b");
}

}  // namespace
}  // namespace certchaos::testing
