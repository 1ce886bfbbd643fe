#include "certchaos/obs/metrics.h"

#include <charconv>
#include <cmath>
#include <sstream>

namespace certchaos::obs {
namespace {

std::string escapeLabel(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string formatLabels(const Labels& labels, const std::string& extraKey = "",
                         const std::string& extraValue = "") {
  std::string out;
  for (const auto& [k, v] : labels) {
    out += (out.empty() ? "" : ",") + k + "=\"" + escapeLabel(v) + "\"";
  }
  if (!extraKey.empty()) out += (out.empty() ? "" : ",") + extraKey + "=\"" + extraValue + "\"";
  return out.empty() ? "" : "{" + out + "}";
}

// The shortest text that reads back as the same double (a stream's 6 digits turned a counter of
// 12345679 into 1.23457e+07), in the exposition format's spelling of the special values.
std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

}  // namespace

void Counter::inc(const Labels& labels, double by) {
  std::lock_guard lock(mu_);
  values_[labels] += by;
}
double Counter::value(const Labels& labels) const {
  std::lock_guard lock(mu_);
  auto it = values_.find(labels);
  return it == values_.end() ? 0 : it->second;
}

void Gauge::set(double value, const Labels& labels) {
  std::lock_guard lock(mu_);
  values_[labels] = value;
}
double Gauge::value(const Labels& labels) const {
  std::lock_guard lock(mu_);
  auto it = values_.find(labels);
  return it == values_.end() ? 0 : it->second;
}

void Histogram::observe(double value, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& s = series_[labels];
  if (s.buckets.empty()) s.buckets.assign(bounds_.size(), 0);
  for (size_t i = 0; i < bounds_.size(); ++i) {
    if (value <= bounds_[i]) {
      ++s.buckets[i];
      break;
    }
  }
  ++s.count;
  s.sum += value;
}
std::uint64_t Histogram::count(const Labels& labels) const {
  std::lock_guard lock(mu_);
  auto it = series_.find(labels);
  return it == series_.end() ? 0 : it->second.count;
}

Counter& Registry::counter(const std::string& name, const std::string& help) {
  std::lock_guard lock(mu_);
  auto f = std::make_unique<Family>(
      Family{name, help, "counter", std::make_unique<Counter>(), nullptr, nullptr});
  families_.push_back(std::move(f));
  return *families_.back()->counter;
}

Gauge& Registry::gauge(const std::string& name, const std::string& help) {
  std::lock_guard lock(mu_);
  families_.push_back(std::make_unique<Family>(
      Family{name, help, "gauge", nullptr, std::make_unique<Gauge>(), nullptr}));
  return *families_.back()->gauge;
}

Histogram& Registry::histogram(const std::string& name, const std::string& help,
                               std::vector<double> bounds) {
  std::lock_guard lock(mu_);
  families_.push_back(std::make_unique<Family>(Family{
      name, help, "histogram", nullptr, nullptr, std::make_unique<Histogram>(std::move(bounds))}));
  return *families_.back()->histogram;
}

std::string Registry::render() const {
  std::lock_guard lock(mu_);
  std::ostringstream out;
  for (const auto& f : families_) {
    out << "# HELP " << f->name << " " << f->help << "\n# TYPE " << f->name << " " << f->type
        << "\n";
    if (f->counter) {
      std::lock_guard l(f->counter->mu_);
      for (const auto& [labels, v] : f->counter->values_) {
        out << f->name << formatLabels(labels) << " " << number(v) << "\n";
      }
    } else if (f->gauge) {
      std::lock_guard l(f->gauge->mu_);
      for (const auto& [labels, v] : f->gauge->values_) {
        out << f->name << formatLabels(labels) << " " << number(v) << "\n";
      }
    } else if (f->histogram) {
      const auto& h = *f->histogram;
      std::lock_guard l(h.mu_);
      for (const auto& [labels, s] : h.series_) {
        std::uint64_t cumulative = 0;
        for (size_t i = 0; i < h.bounds_.size(); ++i) {
          cumulative += s.buckets[i];
          out << f->name << "_bucket" << formatLabels(labels, "le", number(h.bounds_[i])) << " "
              << cumulative << "\n";
        }
        out << f->name << "_bucket" << formatLabels(labels, "le", "+Inf") << " " << s.count << "\n";
        out << f->name << "_sum" << formatLabels(labels) << " " << number(s.sum) << "\n";
        out << f->name << "_count" << formatLabels(labels) << " " << s.count << "\n";
      }
    }
  }
  return out.str();
}

}  // namespace certchaos::obs
