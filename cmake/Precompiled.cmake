# Precompiles the heavy headers nearly every file includes (nlohmann/json above all) for every
# library and executable of the project: a cold build, as CI does it, parses them once per target
# instead of once per file.
set(CERTCHAOS_PCH_HEADERS <nlohmann/json.hpp> <string> <vector> <map> <memory> <chrono>
                          <functional> <optional> <mutex>)

function(certchaos_precompile_all dir)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  foreach(target ${targets})
    get_target_property(type ${target} TYPE)
    get_target_property(sources ${target} SOURCES)
    list(LENGTH sources count)
    # A header is precompiled once per target: worth it only where several files share it.
    if((type STREQUAL "STATIC_LIBRARY" OR type STREQUAL "EXECUTABLE") AND count GREATER_EQUAL 3)
      target_precompile_headers(${target} PRIVATE ${CERTCHAOS_PCH_HEADERS})
    endif()
  endforeach()
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(subdir ${subdirs})
    certchaos_precompile_all(${subdir})
  endforeach()
endfunction()
