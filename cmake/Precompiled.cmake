# Precompiles the heavy headers nearly every file includes (nlohmann/json above all) for every
# library and executable of the project: a cold build, as CI does it, parses them once per target
# instead of once per file.
set(CERTCHAOS_PCH_HEADERS <nlohmann/json.hpp> <string> <vector> <map> <memory> <chrono>
                          <functional> <optional> <mutex>)

function(certchaos_precompile_all dir)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  foreach(target ${targets})
    get_target_property(type ${target} TYPE)
    if(type STREQUAL "STATIC_LIBRARY" OR type STREQUAL "EXECUTABLE")
      target_precompile_headers(${target} PRIVATE ${CERTCHAOS_PCH_HEADERS})
    endif()
  endforeach()
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(subdir ${subdirs})
    certchaos_precompile_all(${subdir})
  endforeach()
endfunction()
