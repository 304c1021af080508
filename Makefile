# Facade over meson. The two commands of the README:
#   make run    install build dependencies, build, start picketd in the foreground
#   make check  install test dependencies, build, run every test (unit, fuzz, e2e)
# Run as root on Debian 12.

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
PREFIX     ?= /usr/local
FUZZ_SECONDS ?= 20
RUN_FLAGS  ?= --rules-dir /etc/picket/rules --default-action allow

BUILD_DEPS = meson ninja-build pkg-config gcc libmnl-dev libnftnl-dev libjansson-dev libssl-dev \
             libpcre2-dev libsqlite3-dev nftables \
             clang bpftool libbpf-dev libelf-dev zlib1g-dev
TEST_DEPS  = $(BUILD_DEPS) libcmocka-dev clang libclang-rt-14-dev iproute2 iptables \
             conntrack curl netcat-openbsd python3 tmux util-linux procps \
             dnsmasq-base bind9-dnsutils liburing-dev iputils-ping

APT = DEBIAN_FRONTEND=noninteractive apt-get

.PHONY: all deps test-deps build run check unit asan fuzz e2e bench install uninstall clean

all: build

# Packages are installed only when missing, so a warm machine skips apt.
define apt_install
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
	  grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  $(APT) update -qq && $(APT) install -y -qq $$missing >/dev/null; \
	fi
endef

deps:
	$(call apt_install,$(BUILD_DEPS))

test-deps:
	$(call apt_install,$(TEST_DEPS))

$(BUILD)/build.ninja:
	meson setup $(BUILD) --prefix=$(PREFIX)

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

# A safe default: allow what no rule names, fail open if picketd dies.
run: deps build
	@getent group picket >/dev/null || groupadd --system picket
	@mkdir -p /etc/picket/rules
	exec $(BUILD)/src/daemon/picketd $(RUN_FLAGS)

$(ASAN_BUILD)/build.ninja:
	meson setup $(ASAN_BUILD) -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug

$(FUZZ_BUILD)/build.ninja:
	CC=clang meson setup $(FUZZ_BUILD) -Dfuzz=true -Dtests=false -Dbuildtype=debug

unit: $(BUILD)/build.ninja
	ninja -C $(BUILD)
	meson test -C $(BUILD) --print-errorlogs

asan: $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  meson test -C $(ASAN_BUILD) --print-errorlogs

fuzz: $(FUZZ_BUILD)/build.ninja
	ninja -C $(FUZZ_BUILD)
	FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run $(FUZZ_BUILD)

# End to end against the sanitizer build of the daemon: a memory error on
# the real kernel path fails the suite.
e2e: asan
	PICKET_BUILD=$(ASAN_BUILD) tests/e2e/run

check: test-deps
	$(MAKE) unit asan fuzz e2e

bench: deps build
	bench/run

install: deps build
	meson install -C $(BUILD)
	install -Dm644 packaging/picketd.service /etc/systemd/system/picketd.service
	install -Dm644 -b packaging/picketd.conf /etc/picket/picketd.conf
	mkdir -p /etc/picket/rules
	getent group picket >/dev/null || groupadd --system picket

uninstall:
	rm -f $(PREFIX)/sbin/picketd $(PREFIX)/bin/picket /etc/systemd/system/picketd.service

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
