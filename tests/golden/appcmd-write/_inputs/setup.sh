# Sourced by the `cmd` of the appcmd-write golden cases:
#
#   . "$SRC/tests/golden/appcmd-write/_inputs/setup.sh" small
#
# copies _inputs/<name>.config to config/applicationHost.config in the case's
# tree, creates the sites' folders (inetpub/wwwroot, shop/api: the system
# drive is the tree), and points APPHOST_RUN_DIR at a folder with no service
# in it. The cases use the project's schema (schema/).
inputs="$SRC/tests/golden/appcmd-write/_inputs"
mkdir -p config inetpub/wwwroot shop/api
cp "$inputs/$1.config" config/applicationHost.config
export APPHOST_RUN_DIR="$TREE/run"
