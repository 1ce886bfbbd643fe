// Durations for humans ("1 h 2 min", "59 s", "250 ms") and wall-versus-nominal phrasing
// ("60 s = 1 h nominal") for a run under --time-scale.
#pragma once

#include <chrono>
#include <string>

namespace certchaos::report {

// The two most significant units among d, h, min, s (then ms, µs, ns for short durations),
// rounded to the smaller one: "90 d", "2 d 3 h", "1 h 2 min", "1 h", "5 min 3 s", "59 s",
// "1.5 s", "250 ms", "0 s". Negative durations get a leading "-".
std::string formatHumanDuration(std::chrono::nanoseconds d);

// "1 min = 1 h nominal"; just "1 min" when the time scale is 1, "0 s" for zero.
std::string formatWallAndNominal(std::chrono::nanoseconds wall, double timeScale);

// "×60" for the time scale, "×1.5", without trailing zeros.
std::string formatTimeScale(double timeScale);

}  // namespace certchaos::report
