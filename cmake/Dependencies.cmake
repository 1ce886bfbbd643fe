# One place for every third-party dependency; all come from Debian packages (scripts/deps.sh).
find_package(Threads REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(CURL REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(CLI11 REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(GTest REQUIRED)
find_package(benchmark QUIET)
# Debian's libcpp-httplib-dev ships a compiled library (with OpenSSL, zlib and brotli support
# switched on) and a pkg-config file, but no CMake config: take the flags from pkg-config so the
# header's ABI matches the library.
find_package(PkgConfig REQUIRED)
pkg_check_modules(CPP_HTTPLIB IMPORTED_TARGET cpp-httplib)
if(NOT CPP_HTTPLIB_FOUND)
  message(FATAL_ERROR "cpp-httplib not found: expected the pkg-config module cpp-httplib; "
                      "install libcpp-httplib-dev (make deps does it)")
endif()
add_library(httplib::httplib INTERFACE IMPORTED GLOBAL)
target_link_libraries(httplib::httplib INTERFACE PkgConfig::CPP_HTTPLIB Threads::Threads)
