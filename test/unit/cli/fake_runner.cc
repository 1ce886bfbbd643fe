// A stand-in for a running `certchaos run` in runs_dir_test: says "ready" on stdout once it runs
// (so the test never looks at /proc before the exec is done), then waits to be killed. An alarm
// ends it if the test dies without killing it.
#include <unistd.h>

int main() {
  ::alarm(300);
  if (::write(1, "ready\n", 6) != 6) return 1;
  for (;;) ::pause();
}
