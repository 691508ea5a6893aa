dnl puq_dns is written in Rust: there is no C source here. This config.m4 lets
dnl the usual PHP extension build (what PIE runs when no prebuilt binary fits)
dnl drive cargo:
dnl
dnl   cd ext && phpize && ./configure [--with-php-config=PATH] && make && make install
dnl
dnl configure finds cargo and the Cargo.toml one directory up; make runs
dnl `PHP=<php> PHP_CONFIG=<php-config> cargo build --release -p puq_dns` (the
dnl extension's build reads `$PHP -i` and `$PHP_CONFIG --includes`) and copies
dnl the library to modules/puq_dns.so, which `make install` puts into the PHP's
dnl extension dir. See Makefile.frag.
dnl
dnl It lives in ext/ (composer.json: php-ext.build-path) rather than at the
dnl repository root because phpize writes its own files into ./build/ and
dnl `phpize --clean` deletes ./build/ and tests/*.php, and `make clean` deletes
dnl every *.so, *.a and *.o below the current directory.

PHP_ARG_ENABLE([puq_dns],
  [whether to build the puq_dns extension],
  [AS_HELP_STRING([--enable-puq_dns],
    [Build the puq_dns extension (Rust: needs cargo and libclang) [default=yes]])],
  [yes])

if test "$PHP_PUQ_DNS" != "no"; then
  dnl The Cargo workspace this directory belongs to.
  puq_dns_manifest="$abs_srcdir/../Cargo.toml"
  if test ! -f "$puq_dns_manifest" || test ! -f "$abs_srcdir/Makefile.frag"; then
    AC_MSG_ERROR([$abs_srcdir is not the ext/ directory of a puq_dns source tree (no ../Cargo.toml or Makefile.frag)])
  fi
  puq_dns_manifest=`cd "$abs_srcdir/.." && pwd`/Cargo.toml

  dnl The php-config and php that configure was given (--with-php-config, or the
  dnl php-config on PATH), by absolute path: cargo must build for this PHP.
  AC_MSG_CHECKING([for the php-config to build puq_dns for])
  PUQ_DNS_PHP_CONFIG=`command -v "$PHP_CONFIG" 2>/dev/null`
  if test -z "$PUQ_DNS_PHP_CONFIG"; then
    AC_MSG_ERROR([php-config not found: $PHP_CONFIG])
  fi
  AC_MSG_RESULT([$PUQ_DNS_PHP_CONFIG])
  if test -z "$PHP_EXECUTABLE" || test ! -x "$PHP_EXECUTABLE"; then
    AC_MSG_ERROR([$PUQ_DNS_PHP_CONFIG --php-binary names '$PHP_EXECUTABLE', which is not there: install that PHP's CLI])
  fi

  puq_dns_vernum=`"$PUQ_DNS_PHP_CONFIG" --vernum 2>/dev/null`
  case $puq_dns_vernum in
    ''|*[[!0-9]]*) AC_MSG_ERROR([$PUQ_DNS_PHP_CONFIG --vernum printed '$puq_dns_vernum', not a number]) ;;
  esac
  if test "$puq_dns_vernum" -lt 80100; then
    puq_dns_version=`"$PUQ_DNS_PHP_CONFIG" --version 2>/dev/null`
    AC_MSG_ERROR([puq_dns needs PHP 8.1 or newer; $PUQ_DNS_PHP_CONFIG is PHP $puq_dns_version])
  fi
  puq_dns_xy="`expr $puq_dns_vernum / 10000`.`expr $puq_dns_vernum / 100 % 100`"

  dnl Thread safety and debug come from phpize's own checks of php_config.h.
  puq_dns_kind=nts
  if test "$PHP_THREAD_SAFETY" = "yes"; then
    puq_dns_kind=zts
    AC_MSG_WARN([PHP is thread-safe (ZTS): puq_dns is built and tested for NTS PHP only])
  fi
  if test "$PHP_DEBUG" = "yes"; then
    puq_dns_kind="$puq_dns_kind-debug"
  fi

  dnl One cargo target dir per PHP kind, as build/install.sh has it:
  dnl ${CARGO_TARGET_DIR:-<repo>/target}/php-X.Y-nts (or -zts, -debug).
  AC_MSG_CHECKING([for the cargo target dir])
  if test -n "$CARGO_TARGET_DIR"; then
    case $CARGO_TARGET_DIR in
      /*) puq_dns_target_base=$CARGO_TARGET_DIR ;;
      *) puq_dns_target_base=`pwd`/$CARGO_TARGET_DIR ;;
    esac
  else
    puq_dns_target_base=`dirname "$puq_dns_manifest"`/target
  fi
  PUQ_DNS_TARGET_DIR="$puq_dns_target_base/php-$puq_dns_xy-$puq_dns_kind"
  AC_MSG_RESULT([$PUQ_DNS_TARGET_DIR])

  dnl cargo: PUQ_DNS_CARGO=/path/to/cargo, else PATH, else rustup's ~/.cargo/bin.
  AC_PATH_PROG([PUQ_DNS_CARGO], [cargo], [no], [$PATH$PATH_SEPARATOR$HOME/.cargo/bin])
  if test "$PUQ_DNS_CARGO" = "no"; then
    AC_MSG_ERROR([cargo not found: puq_dns is written in Rust. Install Rust 1.82 or newer (https://rustup.rs) and run this again, or install a prebuilt binary (pie install puqcloud/puq-dns picks one when it fits this PHP)])
  fi

  dnl The extension's build generates its PHP bindings with bindgen, which loads
  dnl libclang. Only a warning: libclang may be there without a clang binary.
  if test -z "$LIBCLANG_PATH"; then
    AC_PATH_PROGS([PUQ_DNS_CLANG], [clang llvm-config clang-19 clang-18 clang-17 clang-16 clang-15 clang-14], [no])
    if test "$PUQ_DNS_CLANG" = "no"; then
      AC_MSG_WARN([no clang found: the build needs libclang (Debian/Ubuntu: apt-get install clang; Alpine: apk add clang-dev), or set LIBCLANG_PATH])
    fi
  fi

  PUQ_DNS_MANIFEST=$puq_dns_manifest
  PHP_SUBST(PUQ_DNS_MANIFEST)
  PHP_SUBST(PUQ_DNS_PHP_CONFIG)
  PHP_SUBST(PUQ_DNS_TARGET_DIR)
  PHP_SUBST(PUQ_DNS_CARGO)

  dnl No PHP_NEW_EXTENSION (it would compile C sources with libtool): the
  dnl fragment builds modules/puq_dns.so, which install-modules installs.
  PHP_ADD_MAKEFILE_FRAGMENT([$abs_srcdir/Makefile.frag], [$abs_srcdir], [$abs_builddir])
fi
