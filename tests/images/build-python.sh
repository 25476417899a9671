#!/bin/sh
# Builds baton-test-python:latest by `docker import` (nothing can be pulled on the test machines):
# Debian's static busybox, the host's CPython (prefix kept at the same path, so it finds its
# standard library), the shared libraries it links, and the `kestra` package with its
# dependencies installed from PyPI into its site-packages. Idempotent.
set -eu
IMAGE="${BATON_TEST_PYTHON_IMAGE:-baton-test-python:latest}"

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
    exit 0
fi

python="$(python3 -c 'import os, sys; print(os.path.realpath(sys.executable))')"
prefix="$(python3 -c 'import sys; print(sys.base_prefix)')"
version="$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
stdlib="$prefix/lib/python$version"

rootfs="$(mktemp -d)"
trap 'rm -rf "$rootfs"' EXIT
mkdir -p "$rootfs/bin" "$rootfs/usr/bin" "$rootfs/tmp" "$rootfs/etc" "$rootfs/lib64" \
    "$rootfs/lib/x86_64-linux-gnu" "$rootfs$prefix/bin" "$rootfs$prefix/lib"
chmod 1777 "$rootfs/tmp"
cp /bin/busybox "$rootfs/bin/busybox"
for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -s busybox "$rootfs/bin/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' > "$rootfs/etc/passwd"
echo 'root:x:0:' > "$rootfs/etc/group"
[ -f /etc/ssl/certs/ca-certificates.crt ] && mkdir -p "$rootfs/etc/ssl/certs" &&
    cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/"

# The interpreter, its shared library and standard library (no tests, GUI or site-packages).
cp "$python" "$rootfs$prefix/bin/"
cp -a "$prefix"/lib/libpython*.so* "$rootfs$prefix/lib/" 2>/dev/null || true
tar -C "$prefix/lib" \
    --exclude="python$version/site-packages" --exclude="python$version/test" \
    --exclude="python$version/tkinter" --exclude="python$version/idlelib" \
    --exclude="python$version/lib-dynload/_tkinter*" \
    -cf - "python$version" | tar -C "$rootfs$prefix/lib" -xf -
mkdir -p "$rootfs$stdlib/site-packages"
for name in python3 python; do
    ln -s "$prefix/bin/$(basename "$python")" "$rootfs/usr/bin/$name"
done

# The Kestra package (and what it imports), from PyPI.
python3 -m pip install --quiet --disable-pip-version-check --no-compile --ignore-installed \
    --target "$rootfs$stdlib/site-packages" kestra

# Every shared library the interpreter and its extension modules need.
libs="$( (ldd "$python"; find "$stdlib/lib-dynload" "$rootfs$stdlib/site-packages" -name '*.so*' \
    -exec ldd {} \;) 2>/dev/null |
    awk '/=>/ { print $3 } /ld-linux/ { print $1 }' | grep '^/' | grep -v "^$prefix" | sort -u)"
for lib in $libs; do
    case "$lib" in
        */libX*|*/libtk*|*/libtcl*|*/libxcb*|*/libfontconfig*|*/libfreetype*|*/libpng*) continue ;;
    esac
    mkdir -p "$rootfs$(dirname "$lib")"
    cp -L "$lib" "$rootfs$lib"
done
cp -L /lib64/ld-linux-x86-64.so.2 "$rootfs/lib64/"


tar -C "$rootfs" -c . | docker import \
    --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
    --change 'CMD ["/bin/sh"]' \
    - "$IMAGE" >/dev/null
