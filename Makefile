# Thin wrapper over the CMake presets; the README's two commands live here.
.PHONY: all deps dev release test demo bench format clean

all: dev

deps:
	scripts/install-deps

dev: deps
	cmake --preset dev
	cmake --build --preset dev

release: deps
	cmake --preset release
	cmake --build --preset release --target straits

# Installs dependencies, builds the dev preset (ASan+UBSan) and runs every test.
test: dev
	ctest --preset dev

# Installs dependencies, builds release, initialises ./var/straits.db with the
# demo world if needed, and serves it on 127.0.0.1:8080.
demo: release
	scripts/demo

# Builds every benchmark (release) and runs the HTTP one; see docs/benchmarks.md.
bench: deps
	cmake --preset release
	cmake --build --preset release
	bench/http/run

format:
	find src tests bench -name '*.h' -o -name '*.cc' | xargs clang-format -i

clean:
	rm -rf build
