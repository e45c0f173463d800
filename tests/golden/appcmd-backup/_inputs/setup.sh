# Sourced by the cases' cmd: the starting configuration.
mkdir -p config
cp "$SRC/tests/golden/appcmd-backup/_inputs/applicationHost.config" config/applicationHost.config
