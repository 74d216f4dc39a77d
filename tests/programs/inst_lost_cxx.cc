// inst_lost_cxx.cc: a lost update on std::atomic, in C++ (for
// tests/e2e/instrumented.sh, built with dara-c++).
//
// BUGGY. Two threads increment with a separate load and store; a virtual
// call and a std::string on the way exercise C++ code under the
// instrumentation. Exits 1 when an update was lost.
#include <atomic>
#include <cstdio>
#include <string>
#include <thread>

struct Step {
  virtual ~Step() = default;
  virtual int by() const { return 1; }
};

static std::atomic<int> hits{0};

static void hit(const Step &step) {
  std::string who = "worker";
  int seen = hits.load();
  hits.store(seen + step.by() + static_cast<int>(who.size()) - 6);
}

int main() {
  Step step;
  std::thread a(hit, std::cref(step)), b(hit, std::cref(step));
  a.join();
  b.join();
  std::printf("hits %d\n", hits.load());
  return hits.load() == 2 ? 0 : 1;
}
