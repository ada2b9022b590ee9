#!/usr/bin/env bash
# `make mutation`: mutmut over the function's code and the emulator's request handling, with the fast tests.
# Runs in .mutation/ (see [tool.mutmut] in pyproject.toml), then prints the score and the survivors.
# Arguments (optional) are mutant name globs, e.g. 'glacier_cleanup.cli*': only those are run (a quick
# check of one module while killing its survivors); the score then covers only them.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf .mutation
mkdir -p .mutation
cp -r lambda_src/glacier_cleanup infra/glacier_cleanup_cdk glacier_emulator tests docs pyproject.toml requirements.txt \
  requirements-cdk.txt cdk.json .mutation/
cd .mutation
started=$(date +%s)
../.venv-mutation/bin/mutmut run --max-children "${MUTATION_JOBS:-2}" "$@" > run.log 2>&1 || { tail -50 run.log; exit 1; }
echo "mutation: mutmut run took $(( $(date +%s) - started )) s"
../.venv-mutation/bin/python ../scripts/mutation_report.py .
