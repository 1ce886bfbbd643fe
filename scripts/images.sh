#!/usr/bin/env bash
# Builds the OCI images of certchaos-issuer, certchaos-demo-app and certchaos (the CLI and runner)
# from a release build, and of the control plane's certchaos-cm-controller (cert-manager's
# controllers) and certchaos-pause (the pod sandbox) for the node plane, without Docker or a registry:
#
#   scripts/images.sh BUILD_DIR [OUT_DIR]      (`make images` runs it on the Makefile's build/)
#
# Each image holds its binary (debug info stripped; the build tree keeps it; the plane's binaries
# come stripped from controlplane/build.sh and go in as they are), exactly the shared libraries
# `ldd` says it loads plus the dynamic loader (none for a static binary), the CA bundle, and
# /etc/passwd and /etc/group for the user it runs as (65532, non-root). certchaos-pause is upstream's
# pause image (kubernetes build/pause/Dockerfile): /pause alone, run as 65535:65535. The files of an image are staged in
# OUT_DIR/<image>/rootfs and listed, one a line with their owner, in OUT_DIR/<image>/files.list;
# that one list makes both the image layer (GNU tar, then umoci) and the Containerfile beside it
# (for Docker or Podman users: `podman build OUT_DIR/<image>`), so the two cannot drift.
#
# Reproducible: the same build and commit give the same digests. Every mtime and the image's
# `created` are SOURCE_DATE_EPOCH (default: the commit time of HEAD), entries are sorted, owners
# numeric, and nothing records the wall clock, the umask or the build directory.
#
# Out: OUT_DIR/<image>/oci (OCI layout: `skopeo copy oci:OUT_DIR/<image>/oci:TAG docker://...`),
# OUT_DIR/<image>.tar (oci-archive tagged with the full reference: `ctr -n k8s.io images import`,
# `podman load`), OUT_DIR/digests.txt; prints each image's digest and sizes.
#
# Environment: CONTROLPLANE_BIN (the plane's bin directory with cm-controller and pause; default
# $CERTCHAOS_CONTROLPLANE_DIR/bin, else ~/.cache/certchaos/controlplane/current/bin);
# SOURCE_DATE_EPOCH; IMAGE_PREFIX (default ghcr.io/certchaos, the chart's default
# repository); IMAGE_TAG (default: the project version of BUILD_DIR's CMake cache);
# IMAGE_SOURCE (the org.opencontainers.image.source label).
set -euo pipefail
export LC_ALL=C
# Files come out the same whatever the caller's umask; modes are set explicitly below anyway.
umask 022

repo=$(cd "$(dirname "$0")/.." && pwd)

# image name, where its binary comes from (build: BUILD_DIR/bin; plane: CONTROLPLANE_BIN), the
# binary, the image's shape (system: user, CA bundle and libraries; bare: the binary alone, at /),
# description (the org.opencontainers.image.description).
images=(
  "certchaos-issuer|build|certchaos-issuer|system|cert-manager external issuer that injects faults"
  "certchaos-demo-app|build|certchaos-demo-app|system|HTTPS demo application serving a cert-manager Secret"
  "certchaos|build|certchaos|system|certchaos CLI and scenario runner"
  "certchaos-cm-controller|plane|cm-controller|system|cert-manager controllers (certchaos control plane build)"
  "certchaos-pause|plane|pause|bare|Pod sandbox (Kubernetes build/pause/linux/pause.c)"
)
readonly user_id=65532 group_id=65532 user_name=nonroot
# The user of upstream's pause image.
readonly bare_user=65535:65535
readonly ca_bundle=/etc/ssl/certs/ca-certificates.crt

die() {
  echo "images: $*" >&2
  exit 1
}

usage() {
  echo "usage: scripts/images.sh BUILD_DIR [OUT_DIR]" >&2
  echo "  BUILD_DIR: a release build (make build: build/), binaries in BUILD_DIR/bin" >&2
  echo "  OUT_DIR:   where the images go (default BUILD_DIR/images)" >&2
  echo "  CONTROLPLANE_BIN (environment): the control plane's bin directory, with cm-controller" >&2
  echo "    and pause (default \$CERTCHAOS_CONTROLPLANE_DIR/bin; 'make controlplane' builds it)" >&2
  exit 2
}

if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
build=$1
out=${2:-$build/images}

for tool in umoci skopeo tar objcopy ldd python3; do
  command -v "$tool" >/dev/null ||
    die "expected the tool '$tool' on PATH, found none: run 'make deps' (scripts/deps.sh installs it)"
done

[ -f "$build/CMakeCache.txt" ] ||
  die "expected a CMake build directory at '$build' (with CMakeCache.txt), found none: run 'make build' first"
cache_value() { sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt"; }
for option in CERTCHAOS_SANITIZE CERTCHAOS_FUZZ; do
  [ "$(cache_value "$option")" != ON ] ||
    die "'$build' is built with $option=ON; images are made from the release build: run 'make build' and pass its directory (build)"
done
plane_bin=${CONTROLPLANE_BIN:-${CERTCHAOS_CONTROLPLANE_DIR:-$HOME/.cache/certchaos/controlplane/current}/bin}
# source_path SOURCE BINARY: where BINARY of an image is read from.
source_path() {
  if [ "$1" = plane ]; then echo "$plane_bin/$2"; else echo "$build/bin/$2"; fi
}
for spec in "${images[@]}"; do
  IFS='|' read -r _ source binary _ <<<"$spec"
  path=$(source_path "$source" "$binary")
  if [ "$source" = build ]; then
    [ -x "$path" ] || die "expected the binary '$path', found none: run 'make build' first"
  else
    [ -x "$path" ] ||
      die "expected the control plane's binary '$path', found none: run 'make controlplane' (or set CONTROLPLANE_BIN to the plane's bin directory)"
  fi
done

if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
  SOURCE_DATE_EPOCH=$(git -C "$repo" log -1 --format=%ct 2>/dev/null) ||
    die "expected SOURCE_DATE_EPOCH or a git checkout at '$repo' to take the commit time from, found neither: set SOURCE_DATE_EPOCH (seconds since 1970)"
fi
[[ $SOURCE_DATE_EPOCH =~ ^[0-9]+$ ]] ||
  die "expected SOURCE_DATE_EPOCH in seconds since 1970, found '$SOURCE_DATE_EPOCH'"
created=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
revision=$(git -C "$repo" rev-parse HEAD 2>/dev/null || echo unknown)
# A build from uncommitted changes must not pass for the commit.
if [ "$revision" != unknown ] && [ -n "$(git -C "$repo" status --porcelain --untracked-files=no)" ]; then
  revision="$revision-dirty"
fi
version=$(cache_value CMAKE_PROJECT_VERSION)
tag=${IMAGE_TAG:-${version:-latest}}
prefix=${IMAGE_PREFIX:-ghcr.io/certchaos}
source_url=${IMAGE_SOURCE:-https://github.com/certchaos/certchaos}

# The shared libraries the dynamic loader maps for BINARY, and the loader itself, one a line.
needed_libraries() {
  local binary=$1 listing
  # A static binary (the plane's Go binaries, pause) loads nothing; ldd says so and fails.
  if listing=$(ldd "$binary" 2>&1); then :; elif grep -q 'not a dynamic executable' <<<"$listing"; then
    return 0
  else
    die "ldd could not list the libraries of '$binary': $listing"
  fi
  if grep -q 'not found' <<<"$listing"; then
    die "'$binary' needs libraries this machine lacks: $(grep 'not found' <<<"$listing" | tr -s ' \t' ' ')"
  fi
  # "libz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x...)" and "/lib64/ld-linux-x86-64.so.2 (0x...)";
  # linux-vdso has no file.
  awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' <<<"$listing" | sort -u
}

# Copies SOURCE (symlinks resolved) to PATH in the staged root, with MODE.
stage_file() {
  local source=$1 path=$2 mode=$3 root=$4
  mkdir -p "$root$(dirname "$path")"
  cp --dereference "$source" "$root$path"
  chmod "$mode" "$root$path"
}

# The image's entrypoint for a binary of SHAPE.
entrypoint_of() { # entrypoint_of SHAPE BINARY
  if [ "$1" = bare ]; then echo "/$2"; else echo "/usr/local/bin/$2"; fi
}

# Stages the image of the bare SHAPE in ROOT: the binary alone, owned by root, as upstream's pause.
stage_bare_rootfs() {
  local source=$1 binary=$2 root=$3 list=$4
  rm -rf "$root"
  mkdir -p "$root"
  cp "$source" "$root/$binary"
  chmod 0755 "$root/$binary"
  touch -h -d "@$SOURCE_DATE_EPOCH" "$root/$binary"
  echo "0:0 $binary" >"$list"
}

# Stages the image's files in ROOT and writes LIST: "uid:gid path" a line, sorted by path.
stage_rootfs() {
  local origin=$1 binary=$2 root=$3 list=$4 entrypoint=/usr/local/bin/$2 libraries lib source
  source=$(source_path "$origin" "$binary")
  # Listed before anything is staged: a die inside $(...) would only leave the subshell.
  libraries=$(needed_libraries "$source") || exit 1
  rm -rf "$root"
  mkdir -p "$root/usr/local/bin" "$root/etc/ssl/certs" "$root/tmp" "$root/home/$user_name"
  if [ "$origin" = build ]; then
    objcopy --strip-debug "$source" "$root$entrypoint"
  else
    cp "$source" "$root$entrypoint"
  fi
  chmod 0755 "$root$entrypoint"
  for lib in $libraries; do
    # The loader must be executable; libraries only readable.
    if [[ $(basename "$lib") == ld-linux* ]]; then
      stage_file "$lib" "$lib" 0755 "$root"
    else
      stage_file "$lib" "$lib" 0644 "$root"
    fi
  done
  [ -r "$ca_bundle" ] ||
    die "expected the CA bundle $ca_bundle, found none: install ca-certificates ('make deps')"
  stage_file "$ca_bundle" "$ca_bundle" 0644 "$root"
  printf 'root:x:0:0:root:/root:/usr/sbin/nologin\n%s:x:%d:%d:%s:/home/%s:/usr/sbin/nologin\n' \
    "$user_name" "$user_id" "$group_id" "$user_name" "$user_name" >"$root/etc/passwd"
  printf 'root:x:0:\n%s:x:%d:\n' "$user_name" "$group_id" >"$root/etc/group"
  chmod 0644 "$root/etc/passwd" "$root/etc/group"
  find "$root" -type d -exec chmod 0755 {} +
  chmod 1777 "$root/tmp"
  chmod 0700 "$root/home/$user_name"
  find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
  # Everything belongs to root but the user's home.
  (cd "$root" && find . -mindepth 1 | sed 's|^\./||' | sort) |
    awk -v home="home/$user_name" -v owner="$user_id:$group_id" \
      '{ print ($0 == home ? owner : "0:0"), $0 }' >"$list"
}

# The Containerfile for Docker or Podman users, from the same list: the staged root as one layer,
# then the entries the list gives another owner.
write_containerfile() {
  local binary=$1 list=$2 file=$3 shape=$4
  {
    echo "# Generated by scripts/images.sh from files.list; build with: podman build ."
    echo "# (or docker build -f Containerfile .). scripts/images.sh makes the reproducible image."
    echo "FROM scratch"
    echo "COPY rootfs/ /"
    awk '$1 != "0:0" { printf "COPY --chown=%s rootfs/%s /%s\n", $1, $2, $2 }' "$list"
    if [ "$shape" = bare ]; then
      echo "USER $bare_user"
    else
      echo "ENV PATH=/usr/local/bin SSL_CERT_FILE=$ca_bundle"
      echo "USER $user_id:$group_id"
      echo "WORKDIR /"
    fi
    echo "ENTRYPOINT [\"$(entrypoint_of "$shape" "$binary")\"]"
    for label in "${labels[@]}"; do
      echo "LABEL ${label%%=*}=\"${label#*=}\""
    done
  } >"$file"
}

# The uncompressed layer: GNU tar over the list, in its order, one run per owner.
write_layer() {
  local root=$1 list=$2 layer=$3 owner
  rm -f "$layer"
  local tar_options=(--no-recursion --numeric-owner --format=posix
    "--mtime=@$SOURCE_DATE_EPOCH"
    "--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime" -C "$root")
  awk '{ print $1 }' "$list" | sort -u | while read -r owner; do
    local mode=--append
    [ -f "$layer" ] || mode=--create
    awk -v owner="$owner" '$1 == owner { print $2 }' "$list" |
      tar "$mode" --file "$layer" "${tar_options[@]}" --owner="${owner%%:*}" \
        --group="${owner#*:}" --files-from=-
  done
}

json_field() { # json_field FILE EXPRESSION: a field of a JSON document, for the summary
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

human() { numfmt --to=iec-i --suffix=B --format=%.1f "$1"; }

mkdir -p "$out"
digests=$out/digests.txt
: >"$digests.tmp"
printf '%-48s %-19s %11s %11s\n' image digest compressed unpacked
for spec in "${images[@]}"; do
  IFS='|' read -r name origin binary shape description <<<"$spec"
  dir=$out/$name
  ref=$prefix/$name:$tag
  labels=(
    "org.opencontainers.image.title=$name"
    "org.opencontainers.image.description=$description"
    "org.opencontainers.image.version=$tag"
    "org.opencontainers.image.revision=$revision"
    "org.opencontainers.image.source=$source_url"
    "org.opencontainers.image.created=$created"
  )
  rm -rf "$dir" "$out/$name.tar"
  mkdir -p "$dir"
  if [ "$shape" = bare ]; then
    stage_bare_rootfs "$(source_path "$origin" "$binary")" "$binary" "$dir/rootfs" "$dir/files.list"
    contents="$binary alone"
    config_args=(--config.user="$bare_user")
  else
    stage_rootfs "$origin" "$binary" "$dir/rootfs" "$dir/files.list"
    contents="$binary, the libraries it loads, CA bundle, user $user_id"
    config_args=(--config.user="$user_id:$group_id" --config.workingdir=/)
  fi
  write_containerfile "$binary" "$dir/files.list" "$dir/Containerfile" "$shape"
  write_layer "$dir/rootfs" "$dir/files.list" "$dir/layer.tar"

  layout=$dir/oci
  umoci init --layout "$layout"
  umoci new --image "$layout:$tag"
  umoci raw add-layer --image "$layout:$tag" --history.created="$created" \
    --history.created_by="scripts/images.sh: $contents" "$dir/layer.tar"
  config_args+=(--no-history --created="$created" --author=certchaos --os=linux
    --config.entrypoint="$(entrypoint_of "$shape" "$binary")")
  if [ "$shape" != bare ]; then
    config_args+=(--config.env=PATH=/usr/local/bin --config.env="SSL_CERT_FILE=$ca_bundle")
  fi
  for label in "${labels[@]}"; do config_args+=(--config.label="$label"); done
  umoci config --image "$layout:$tag" "${config_args[@]}"
  umoci gc --layout "$layout"

  # An oci-archive keeps the manifest as it is: `ctr images import` names the image by its
  # reference and reports the digest of digests.txt (a docker-archive would be converted).
  skopeo copy --quiet "oci:$layout:$tag" "oci-archive:$out/$name.tar:$ref"

  manifest=$(json_field "$layout/index.json" 'd["manifests"][0]["digest"]')
  manifest_file=$layout/blobs/sha256/${manifest#sha256:}
  config=$(json_field "$manifest_file" 'd["config"]["digest"]')
  compressed=$(json_field "$manifest_file" \
    'd["config"]["size"] + sum(l["size"] for l in d["layers"])')
  unpacked=$(stat -c %s "$dir/layer.tar")
  rm -f "$dir/layer.tar"
  echo "$ref $manifest config=$config compressed=$compressed unpacked=$unpacked" >>"$digests.tmp"
  printf '%-48s %-19s %11s %11s\n' "$ref" "${manifest:0:19}" "$(human "$compressed")" \
    "$(human "$unpacked")"
done
mv "$digests.tmp" "$digests"
echo "digests: $digests (SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH, revision $revision)"
