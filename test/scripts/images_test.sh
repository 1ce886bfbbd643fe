#!/usr/bin/env bash
# Tests scripts/images.sh on a build's binaries and the control plane's (cm-controller, pause): two
# builds give the same digests; each image runs as a non-root user; its entrypoint starts from the
# image's own files alone (chroot), and a dynamic one fails without one of its libraries (so the
# check can fail) while a static one carries no library at all; the layer is exactly files.list;
# the Containerfile and the oci-archive agree with the OCI image; bad input gets a clear error.
#
#   test/scripts/images_test.sh SOURCE_DIR BUILD_DIR
#
# The plane's binaries are read from CONTROLPLANE_BIN (default $CERTCHAOS_CONTROLPLANE_DIR/bin, as
# scripts/images.sh).
set -euo pipefail
export LC_ALL=C

[ $# -eq 2 ] || {
  echo "usage: images_test.sh SOURCE_DIR BUILD_DIR" >&2
  exit 2
}
source_dir=$(realpath "$1")
build=$(realpath "$2")
script=$source_dir/scripts/images.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
pass() { echo "ok: $*"; }

for tool in umoci skopeo python3 chroot; do
  command -v "$tool" >/dev/null || {
    echo "FAIL: expected '$tool' on PATH, found none: run 'make deps'" >&2
    exit 1
  }
done

json() { # json FILE EXPRESSION
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# expect_error NAME TEXT [ENV...] -- ARGS...: images.sh fails and its message contains TEXT.
expect_error() {
  local name=$1 text=$2 rc=0
  shift 2
  local env=()
  while [ "$1" != -- ]; do
    env+=("$1")
    shift
  done
  shift
  env "${env[@]}" "$script" "$@" >"$work/out" 2>"$work/err" || rc=$?
  if [ "$rc" -eq 0 ]; then
    fail "$name: images.sh $* succeeded; expected an error saying '$text'"
  elif ! grep -qF -- "$text" "$work/err"; then
    fail "$name: expected the error to say '$text', found: $(cat "$work/err")"
  else
    pass "$name: $(head -1 "$work/err")"
  fi
}

# --- Bad input ---------------------------------------------------------------------------------
expect_error "no arguments" "usage: scripts/images.sh BUILD_DIR" --
expect_error "no build tree" "run 'make build' first" -- "$work/no-such-build"
mkdir -p "$work/empty-build/bin"
echo "CMAKE_PROJECT_VERSION:STATIC=0.1.0" >"$work/empty-build/CMakeCache.txt"
expect_error "build without binaries" "expected the binary '$work/empty-build/bin/certchaos-issuer', found none: run 'make build' first" \
  -- "$work/empty-build" "$work/x"
mkdir -p "$work/asan-build"
printf 'CERTCHAOS_SANITIZE:BOOL=ON\n' >"$work/asan-build/CMakeCache.txt"
expect_error "sanitizer build" "built with CERTCHAOS_SANITIZE=ON; images are made from the release build" \
  -- "$work/asan-build" "$work/x"
expect_error "no control plane" "expected the control plane's binary '$work/no-plane/cm-controller', found none: run 'make controlplane'" \
  CONTROLPLANE_BIN="$work/no-plane" -- "$build" "$work/x"
expect_error "bad SOURCE_DATE_EPOCH" "expected SOURCE_DATE_EPOCH in seconds since 1970, found 'yesterday'" \
  SOURCE_DATE_EPOCH=yesterday -- "$build" "$work/x"

# --- Two builds, same digests ------------------------------------------------------------------
# The second differs in what must not matter: output directory, working directory, umask, time
# zone and the time of day.
"$script" "$build" "$work/first" >"$work/first.log" ||
  { cat "$work/first.log" >&2; fail "the first build failed"; exit 1; }
(cd "$work" && umask 077 && TZ=Asia/Kolkata "$script" "$build" "$work/second") >"$work/second.log" ||
  { cat "$work/second.log" >&2; fail "the second build failed"; exit 1; }
cat "$work/first.log"
expected_images="certchaos certchaos-cm-controller certchaos-demo-app certchaos-issuer certchaos-pause"
found_images=$(awk '{ n = $1; sub(/.*\//, "", n); sub(/:.*/, "", n); print n }' \
  "$work/first/digests.txt" | sort | xargs)
[ "$found_images" = "$expected_images" ] ||
  fail "expected the images $expected_images in digests.txt, found: $(cat "$work/first/digests.txt")"
if cmp -s "$work/first/digests.txt" "$work/second/digests.txt"; then
  pass "two builds, same digests: $(awk '{ printf "%s %s; ", $1, $2 }' "$work/first/digests.txt")"
else
  fail "two builds gave different digests: $(diff "$work/first/digests.txt" "$work/second/digests.txt")"
fi

# --- Each image --------------------------------------------------------------------------------
run_in_image() { # run_in_image ROOTFS USER COMMAND...: as USER (uid:gid) with ROOTFS as /
  local root=$1 user=$2
  shift 2
  if [ "$(id -u)" -eq 0 ]; then
    chroot --userspec="$user" "$root" "$@"
  else # a user namespace maps us to root: enough to chroot, not to change user
    unshare --map-root-user chroot "$root" "$@"
  fi
}

while read -r ref manifest config _; do
  name=${ref##*/}
  name=${name%:*}
  tag=${ref##*:}
  dir=$work/first/$name
  layout=$dir/oci
  config_file=$layout/blobs/sha256/${config#config=sha256:}
  [ -f "$config_file" ] || { fail "$name: no config blob $config_file"; continue; }

  user=$(json "$config_file" 'd["config"].get("User", "")')
  uid=${user%%:*}
  if [[ $uid =~ ^[0-9]+$ ]] && [ "$uid" -ne 0 ] && [[ $user == *:* ]]; then
    pass "$name: runs as $user"
  else
    fail "$name: expected a numeric non-root User uid:gid in the image config, found '$user'"
  fi
  # What each image is expected to run, and how to ask it to print something and exit.
  case $name in
    certchaos-cm-controller) expected_entrypoint=/usr/local/bin/cm-controller probe=(--help) says="Usage" ;;
    certchaos-pause) expected_entrypoint=/pause probe=(-v) says="pause.c" ;;
    *) expected_entrypoint=/usr/local/bin/$name probe=(--help) says="Usage" ;;
  esac
  entrypoint=$(json "$config_file" '" ".join(d["config"]["Entrypoint"])')
  [ "$entrypoint" = "$expected_entrypoint" ] ||
    fail "$name: expected the entrypoint $expected_entrypoint, found '$entrypoint'"
  revision=$(json "$config_file" 'd["config"]["Labels"]["org.opencontainers.image.revision"]')
  head=$(git -C "$source_dir" rev-parse HEAD)
  [[ $revision == "$head" || $revision == "$head-dirty" ]] ||
    fail "$name: expected the revision label $head, found '$revision'"

  # The layer is a complete tar (a truncated one is refused by GNU tar) holding exactly files.list.
  manifest_file=$layout/blobs/sha256/${manifest#sha256:}
  layer=$layout/blobs/sha256/$(json "$manifest_file" 'd["layers"][0]["digest"][7:]')
  if tar -tzf "$layer" | sed 's|/$||' | sort >"$work/$name.layer"; then
    awk '{ print $2 }' "$dir/files.list" | sort >"$work/$name.list"
    if cmp -s "$work/$name.layer" "$work/$name.list"; then
      pass "$name: layer holds exactly files.list ($(wc -l <"$work/$name.list") entries)"
    else
      fail "$name: layer and files.list differ: $(diff "$work/$name.list" "$work/$name.layer")"
    fi
  else
    fail "$name: the layer $layer is not a complete tar"
  fi

  # The Containerfile says what the image config says.
  grep -qx "USER $user" "$dir/Containerfile" ||
    fail "$name: Containerfile has no 'USER $user': $(cat "$dir/Containerfile")"
  grep -qx "ENTRYPOINT \[\"$entrypoint\"\]" "$dir/Containerfile" ||
    fail "$name: Containerfile has no ENTRYPOINT [\"$entrypoint\"]"

  # The archive (for ctr images import) is the same manifest under the full reference.
  tar -xOf "$work/first/$name.tar" index.json >"$work/$name.index.json"
  archive=$(json "$work/$name.index.json" \
    '(lambda m: m["digest"] + " " + m["annotations"]["org.opencontainers.image.ref.name"])(d["manifests"][0])')
  if [ "$archive" = "$manifest $ref" ]; then
    pass "$name: $name.tar (oci-archive) holds manifest $manifest as $ref"
  else
    fail "$name: expected $name.tar to hold manifest $manifest as $ref, found '$archive'"
  fi

  # Unpacked, the entrypoint starts as the image's user with nothing but the image's files.
  bundle=$work/$name.bundle
  umoci unpack --rootless --image "$layout:$tag" "$bundle" >/dev/null
  if [ "$name" = certchaos-pause ]; then
    # Upstream's pause image: the binary alone, nothing else.
    [ "$(cat "$work/$name.layer")" = pause ] ||
      fail "$name: expected /pause alone in the layer, found: $(xargs <"$work/$name.layer")"
  else
    grep -q "^[^:]*:x:$uid:" "$bundle/rootfs/etc/passwd" ||
      fail "$name: /etc/passwd has no entry for uid $uid"
    [ -s "$bundle/rootfs/etc/ssl/certs/ca-certificates.crt" ] ||
      fail "$name: no CA bundle at /etc/ssl/certs/ca-certificates.crt"
  fi
  if run_in_image "$bundle/rootfs" "$user" "$entrypoint" "${probe[@]}" >"$work/$name.help" 2>&1 &&
    grep -q "$says" "$work/$name.help"; then
    pass "$name: $entrypoint ${probe[*]} runs in the image as $user"
  else
    fail "$name: $entrypoint ${probe[*]} did not run in the image: $(head -5 "$work/$name.help")"
  fi
  if ! ldd "$bundle/rootfs$entrypoint" >/dev/null 2>&1; then
    # A static binary: the image must carry no shared library (nothing it would not load).
    libraries=$(grep -E '(^|/)(lib[^/]*\.so[.0-9]*|ld-linux[^/]*)$' "$work/$name.layer" || true)
    if [ -z "$libraries" ]; then
      pass "$name: static $entrypoint, no shared library in the image"
    else
      fail "$name: $entrypoint is static, yet the image holds: $(xargs <<<"$libraries")"
    fi
    rm -rf "$bundle"
    continue
  fi
  # Without one of its libraries it must not start: the check above can fail.
  rm "$bundle/rootfs/lib/x86_64-linux-gnu/libcrypto.so.3"
  if run_in_image "$bundle/rootfs" "$user" "$entrypoint" --help >"$work/$name.help" 2>&1; then
    fail "$name: $entrypoint started without libcrypto.so.3 in the image"
  elif grep -q "libcrypto.so.3: cannot open shared object file" "$work/$name.help"; then
    pass "$name: without libcrypto.so.3 it does not start"
  else
    fail "$name: expected a missing libcrypto.so.3 to stop it, found: $(head -3 "$work/$name.help")"
  fi
  rm -rf "$bundle"
done <"$work/first/digests.txt"

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all checks passed"
