#!/bin/sh
# The steps of advisor-workflow.yml (docs/ci.md) as a plain script, for any CI system.
# Run it in the folder that holds acme-rules/, answers.yaml and teams.csv; it stops at the
# first step that fails, with that step's exit code.
set -eu
advisor rules check acme-rules --coverage-min 100 --format github
advisor guide --rules acme-rules --answers answers.yaml --defaults --format mediawiki -o guide.wiki --force
advisor batch teams.csv --rules acme-rules --out-dir guides --force --json > batch.json
