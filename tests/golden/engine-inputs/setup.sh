# Sourced by the `cmd` of the engine-* golden cases:
#
#   . "$SRC/tests/golden/engine-inputs/setup.sh"
#   ac list config "Site1/" /section:directoryBrowse
#
# points appcmd at the cases' own schema (schema/engine.xml) and defines `ac`,
# which runs appcmd and prints its output with the path of the case's copy
# written as $TREE, so that expected error messages do not depend on the
# temporary folder. `ac` returns appcmd's exit status.
export APPHOST_SCHEMA_DIR="$SRC/tests/golden/engine-inputs/schema"
ac() {
	local out status
	out=$(appcmd "$@")
	status=$?
	[ -n "$out" ] && printf '%s\n' "${out//"$TREE"/\$TREE}"
	return $status
}
