
# ---- puq_dns (ext/Makefile.frag, added by config.m4) ----------------------
# cargo builds the extension; phpize's install-modules then installs
# everything in modules/ into $(INSTALL_ROOT)$(EXTENSION_DIR), so the library
# is copied there as modules/puq_dns.so.
#
#   make          runs cargo every time (cargo itself skips what is up to date)
#   make install  builds only if modules/puq_dns.so is missing, so that
#                 `sudo make install` does not run cargo as root
#
# The `+` hands make's job slots to cargo (make -jN: cargo runs N jobs).

PUQ_DNS_LIB = $(PUQ_DNS_TARGET_DIR)/release/libpuq_dns.so

all: puq-dns-cargo

build-modules: $(phplibdir)/puq_dns.so

$(phplibdir)/puq_dns.so:
	+@$(MAKE) --no-print-directory puq-dns-cargo

puq-dns-cargo:
	@echo "cargo: PHP=$(PHP_EXECUTABLE) PHP_CONFIG=$(PUQ_DNS_PHP_CONFIG) CARGO_TARGET_DIR=$(PUQ_DNS_TARGET_DIR) cargo build --release -p puq_dns --manifest-path $(PUQ_DNS_MANIFEST)"
	+@PHP="$(PHP_EXECUTABLE)" PHP_CONFIG="$(PUQ_DNS_PHP_CONFIG)" CARGO_TARGET_DIR="$(PUQ_DNS_TARGET_DIR)" \
		"$(PUQ_DNS_CARGO)" build --release -p puq_dns --manifest-path "$(PUQ_DNS_MANIFEST)"
	@test -f "$(PUQ_DNS_LIB)" || { echo "cargo left no $(PUQ_DNS_LIB)" >&2; exit 1; }
	@mkdir -p "$(phplibdir)"
	@cp -f "$(PUQ_DNS_LIB)" "$(phplibdir)/puq_dns.so"
	@echo "built $(phplibdir)/puq_dns.so"

.PHONY: puq-dns-cargo
