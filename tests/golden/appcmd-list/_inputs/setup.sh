# Sourced by the `cmd` of the appcmd-list golden cases:
#
#   . "$SRC/tests/golden/appcmd-list/_inputs/setup.sh" basic
#
# copies _inputs/<name>.config to config/applicationHost.config in the case's
# tree and makes appcmd use the cases' own schema (_inputs/schema/), so that
# the expected outputs do not depend on the project's schema files.
inputs="$SRC/tests/golden/appcmd-list/_inputs"
mkdir -p config
cp "$inputs/$1.config" config/applicationHost.config
export APPHOST_SCHEMA_DIR="$inputs/schema"
