#!/usr/bin/env bash
# Proves that the build enforces ARCHITECTURE.md's module rules: for each rule, copies the poms to a scratch
# tree, adds a forbidden dependency, and expects the enforcer to fail the build. Also checks that the real build
# passes the same enforcer executions. Needs no installed io.wshub artifact: the scratch reactor resolves them.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mvn_cmd=("$root/mvnw" -B -q -ntp)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

copy_tree() {
    rm -rf "$scratch/tree" && mkdir -p "$scratch/tree"
    (cd "$root" && find . -name pom.xml -not -path '*/node_modules/*' -not -path './.git/*' \
        | while read -r f; do mkdir -p "$scratch/tree/$(dirname "$f")"; cp "$f" "$scratch/tree/$f"; done)
    cp -r "$root/.mvn" "$root/mvnw" "$scratch/tree/"
}

# add_dep MODULE GROUP ARTIFACT [SCOPE]: declares a dependency (replacing any existing one) as the first one.
# The edits use perl, which every Debian system has (perl-base is essential), so a machine with only a JDK runs this.
add_dep() {
    local dep="<dependency><groupId>$2</groupId><artifactId>$3</artifactId>"
    [ "$2" = io.wshub ] && dep+="<version>0.1.0-SNAPSHOT</version>"
    dep+="<scope>${4:-compile}</scope></dependency>"
    # Drop an existing declaration of the same artifact (e.g. hub-disruptor in test scope) so ours is in force.
    G=$2 A=$3 DEP=$dep perl -0pi -e '
        s{<dependency>\s*<groupId>\Q$ENV{G}\E</groupId>\s*<artifactId>\Q$ENV{A}\E</artifactId>.*?</dependency>}{}gs;
        s{<dependencies>}{<dependencies>$ENV{DEP}}' "$scratch/tree/$1/pom.xml"
}

# strip_test_deps: removes every test-scoped io.wshub dependency from every module, so the forbidden edge a case adds
# cannot close a reactor cycle through test-only edges (hub-disruptor tests with testkit, transports with hub-disruptor)
# and fail the build for that reason instead of the rule.
strip_test_deps() {
    find "$scratch/tree" -name pom.xml | while read -r pom; do
        perl -0pi -e 's#<dependency>\s*<groupId>io\.wshub</groupId>
                        (?:(?!</dependency>).)*?<scope>test</scope>\s*</dependency>##gsx' "$pom"
    done
}

expect_enforcer() { # DESCRIPTION MODULE SHOULD_FAIL
    # -am: the modules a case depends on are in the scratch reactor, so their poms come from there and never from a
    # local repository, where a stray or half-installed io.wshub artifact would break resolution instead of the rule.
    local out
    if out=$(cd "$scratch/tree" && "${mvn_cmd[@]}" -pl "$2" -am validate 2>&1); then
        if [ "$3" = fail ]; then echo "FAIL: $1: the build passed"; exit 1; fi
        echo "ok: $1"
    else
        if [ "$3" = pass ]; then echo "FAIL: $1: the build failed:"; echo "$out" | tail -20; exit 1; fi
        if ! grep -q "bannedDependencies\|BannedDependencies" <<<"$out"; then
            echo "FAIL: $1: the build failed, but not on the module rule:"; echo "$out" | tail -20; exit 1
        fi
        echo "ok: $1 (enforcer refused it)"
    fi
}

copy_tree
expect_enforcer "the real poms keep the module rules" \
    "hub-api,hub-disruptor,testkit,transport-undertow,transport-javawebsocket,hub-micrometer,hub-redis" pass

copy_tree; strip_test_deps; add_dep hub-api org.slf4j slf4j-api
expect_enforcer "hub-api may not gain a runtime dependency" hub-api fail

copy_tree; strip_test_deps; add_dep transport-undertow io.wshub hub-disruptor
expect_enforcer "a transport may not depend on hub-disruptor" transport-undertow fail

copy_tree; strip_test_deps; add_dep transport-javawebsocket io.wshub transport-undertow
expect_enforcer "a transport may not depend on another transport" transport-javawebsocket fail

copy_tree; strip_test_deps; add_dep testkit io.wshub transport-undertow test
expect_enforcer "testkit may not see a transport, even in test scope" testkit fail

copy_tree; strip_test_deps; add_dep testkit io.wshub hub-disruptor test
expect_enforcer "testkit may not see hub-disruptor, even in test scope" testkit fail

copy_tree; strip_test_deps; add_dep hub-disruptor io.wshub transport-undertow test
expect_enforcer "hub-disruptor may not depend on a transport" hub-disruptor fail

copy_tree; strip_test_deps; add_dep hub-micrometer org.slf4j slf4j-api
expect_enforcer "hub-micrometer may not gain a runtime dependency beyond hub-api and micrometer-core" hub-micrometer fail

copy_tree; strip_test_deps; add_dep hub-micrometer io.wshub transport-undertow test
expect_enforcer "hub-micrometer may not see a transport, even in test scope" hub-micrometer fail

copy_tree; strip_test_deps; add_dep transport-javawebsocket io.wshub hub-micrometer
expect_enforcer "a transport may not depend on hub-micrometer" transport-javawebsocket fail

copy_tree; strip_test_deps; add_dep transport-undertow io.wshub hub-redis
expect_enforcer "a transport may not depend on hub-redis" transport-undertow fail

copy_tree; strip_test_deps; add_dep hub-redis io.wshub hub-disruptor
expect_enforcer "hub-redis may not depend on hub-disruptor at run time" hub-redis fail

copy_tree; strip_test_deps; add_dep hub-redis io.wshub transport-javawebsocket test
expect_enforcer "hub-redis may not see a transport, even in test scope" hub-redis fail

copy_tree; strip_test_deps; add_dep hub-redis io.micrometer micrometer-core
expect_enforcer "hub-redis may not gain a runtime dependency beyond hub-api, Lettuce and the SLF4J API" hub-redis fail

copy_tree; strip_test_deps; add_dep testkit io.wshub hub-redis test
expect_enforcer "testkit may not see hub-redis, even in test scope" testkit fail

echo "module rules: 15 passed, 0 failed"
