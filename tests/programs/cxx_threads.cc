// cxx_threads.cc: threads started by std::thread, whose pthread_create
// call is in libstdc++: dara names them after the program's function that
// created them (Pool::start, "start"), and places each std::mutex lock at
// the program's line, not libstdc++'s inlined header, as is each
// condition_variable wait. std::thread::join, whose pthread_join call is
// inside libstdc++.so itself, is placed at the program's line too.
// Built by tests/e2e/srcloc.sh with the system's C++ compiler, with -g.
#include <condition_variable>
#include <mutex>
#include <thread>

static std::mutex lock;
static std::condition_variable done;
static int count;

static void work() {
  std::lock_guard<std::mutex> guard(lock);
  count++;
  done.notify_one();
}

struct Pool {
  std::thread a, b;
  void start() {
    a = std::thread(work);
    b = std::thread([] { work(); });
  }
  void wait_both() {
    std::unique_lock<std::mutex> held(lock);
    while (count < 2)
      done.wait(held);
  }
  void join() {
    a.join();
    b.join();
  }
};

int main() {
  Pool pool;
  pool.start();
  pool.wait_both();
  pool.join();
  return count == 2 ? 0 : 1;
}
