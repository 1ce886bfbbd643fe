// Prometheus metrics in the text exposition format (version 0.0.4): counters, gauges and
// histograms with labels, in a registry that renders them for /metrics. Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace certchaos::obs {

using Labels = std::map<std::string, std::string>;

class Registry;

class Counter {
 public:
  void inc(const Labels& labels = {}, double by = 1);
  double value(const Labels& labels = {}) const;

 private:
  friend class Registry;
  mutable std::mutex mu_;
  std::map<Labels, double> values_;
};

class Gauge {
 public:
  void set(double value, const Labels& labels = {});
  double value(const Labels& labels = {}) const;

 private:
  friend class Registry;
  mutable std::mutex mu_;
  std::map<Labels, double> values_;
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)) {}
  void observe(double value, const Labels& labels = {});
  std::uint64_t count(const Labels& labels = {}) const;

 private:
  friend class Registry;
  struct Series {
    std::vector<std::uint64_t> buckets;  // cumulative counts are computed when rendering
    std::uint64_t count = 0;
    double sum = 0;
  };
  const std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::map<Labels, Series> series_;
};

class Registry {
 public:
  Counter& counter(const std::string& name, const std::string& help);
  Gauge& gauge(const std::string& name, const std::string& help);
  Histogram& histogram(const std::string& name, const std::string& help,
                       std::vector<double> bounds);
  std::string render() const;

 private:
  struct Family {
    std::string name, help, type;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
  };
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Family>> families_;
};

}  // namespace certchaos::obs
