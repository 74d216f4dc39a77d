// cxx_threads.cc: threads started by std::thread, whose pthread_create
// call is in libstdc++: dara names them after the program's function that
// created them (Pool::start, "start"), and places each std::mutex lock at
// the program's line, not libstdc++'s inlined header. Built by
// tests/e2e/srcloc.sh with the system's C++ compiler, with -g.
#include <mutex>
#include <thread>

static std::mutex lock;
static int count;

static void work() {
  std::lock_guard<std::mutex> guard(lock);
  count++;
}

struct Pool {
  std::thread a, b;
  void start() {
    a = std::thread(work);
    b = std::thread([] { work(); });
  }
  void join() {
    a.join();
    b.join();
  }
};

int main() {
  Pool pool;
  pool.start();
  pool.join();
  return count == 2 ? 0 : 1;
}
