// exit_dtors_cxx.cc: exit_dtors.c's lost update in C++ thread_local
// destructors: each worker's Tally adds one to a count in two critical
// sections of a std::mutex when the thread ends, and the last one asserts
// that the count is 2. Only a schedule that controls the destructors finds
// it. Built by tests/e2e/threads.sh with the system's C++ compiler.
#undef NDEBUG // the assertion is the test, in every build type
#include <cassert>
#include <cstdio>
#include <mutex>
#include <thread>

static std::mutex lock;
static int count, done;

struct Tally {
  bool used = false;
  ~Tally() {
    if (!used)
      return;
    int seen;
    {
      std::lock_guard<std::mutex> g(lock);
      seen = count;
    }
    std::lock_guard<std::mutex> g(lock);
    count = seen + 1;
    if (++done == 2)
      assert(count == 2);
  }
};
static thread_local Tally tally;

int main() {
  std::thread a([] { tally.used = true; });
  std::thread b([] { tally.used = true; });
  a.join();
  b.join();
  std::printf("count %d\n", count);
  return 0;
}
