#!/usr/bin/env bash
# capture.sh — re-record the real module-tool outputs the parser tests read (see README.md).
#   LMOD_CMD     Lmod's lmod script       (default /usr/share/lmod/lmod/libexec/lmod)
#   MODULES_CMD  Environment Modules' modulecmd.tcl
#                (default $PORTICO_ENVMODULES_HOME/usr/lib/modulecmd.tcl)
#   PORTICO_SHARED_DIR  folder with schedulers/modules-fixture.sh (default: ../shared beside the repo)
#   CAPTURE_DIR  where the module tree is written (default /tmp/portico-modules); the paths in the
#                recorded files are under it
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../../../../.." && pwd)
SHARED=${PORTICO_SHARED_DIR:-$REPO/../shared}
LMOD_CMD=${LMOD_CMD:-/usr/share/lmod/lmod/libexec/lmod}
MODULES_CMD=${MODULES_CMD:-${PORTICO_ENVMODULES_HOME:-/opt/portico-test/envmodules}/usr/lib/modulecmd.tcl}
M=${CAPTURE_DIR:-/tmp/portico-modules}
rm -rf "$M"
bash "$SHARED/schedulers/modules-fixture.sh" "$M" >/dev/null

# Extra modules: a second cuda with an explicit default (Tcl), a failing modulefile, a module that
# conflicts with cuda, awkward values, and one that prints on stderr while listed.
sed 's/12\.4/11.8/g' "$M/tcl/cuda/12.4" > "$M/tcl/cuda/11.8"
printf '#%%Module1.0\nset ModulesVersion "11.8"\n' > "$M/tcl/cuda/.version"
sed 's/12\.4/11.8/g' "$M/lua/cuda/12.4.lua" > "$M/lua/cuda/11.8.lua"
mkdir -p "$M/tcl/broken" "$M/lua/broken" "$M/tcl/other" "$M/lua/other" "$M/tcl/quoting" "$M/lua/quoting" "$M/noisy/noisy"
printf '#%%Module1.0\nerror "broken on purpose"\n' > "$M/tcl/broken/1.0"
printf 'LmodError("broken on purpose")\n' > "$M/lua/broken/1.0.lua"
printf '#%%Module1.0\nconflict cuda\nsetenv OTHER 1\n' > "$M/tcl/other/1.0"
printf 'conflict("cuda")\nsetenv("OTHER", "1")\n' > "$M/lua/other/1.0.lua"
cat > "$M/tcl/quoting/1.0" <<'TCL'
#%Module1.0
module-whatis "Description: values that need quoting"
setenv Q_QUOTES {it's "quoted"}
setenv Q_SHELL {a;b $HOME `x` | & < > ( ) * ? ! # ~ =}
setenv Q_BACKSLASH {ends with \\}
setenv Q_NEWLINE "line1\nline2"
setenv Q_TAB "a\tb"
setenv Q_UNICODE "café ☃"
setenv Q_EMPTY ""
unsetenv Q_GONE
set-alias q_alias "ls -l"
set-function q_function {echo hi}
TCL
cat > "$M/lua/quoting/1.0.lua" <<'LUA'
whatis("Description: values that need quoting")
setenv("Q_QUOTES", [[it's "quoted"]])
setenv("Q_SHELL", [[a;b $HOME `x` | & < > ( ) * ? ! # ~ =]])
setenv("Q_BACKSLASH", [[ends with \\]])
setenv("Q_NEWLINE", "line1\nline2")
setenv("Q_TAB", "a\tb")
setenv("Q_UNICODE", "café ☃")
setenv("Q_EMPTY", "")
unsetenv("Q_GONE")
set_alias("q_alias", "ls -l")
LUA
printf '#%%Module1.0\nputs stderr "noise from a modulefile"\nmodule-whatis "Description: prints while listed"\n' > "$M/noisy/noisy/1.0"

BASE=(PATH=/usr/bin:/bin LANG=C.UTF-8)
# run DIR NAME ENV... -- ARGV...: records NAME.stdout, NAME.stderr and NAME.exit
run() {
  local dir=$1 name=$2; shift 2
  local envs=()
  while [ "$1" != -- ]; do envs+=("$1"); shift; done; shift
  mkdir -p "$HERE/$dir"
  set +e
  (cd "$M" && env -i "${BASE[@]}" "${envs[@]}" "$@" >"$HERE/$dir/$name.stdout" 2>"$HERE/$dir/$name.stderr")
  echo $? > "$HERE/$dir/$name.exit"
  set -e
}
L=$LMOD_CMD; S=$(dirname "$LMOD_CMD")/spider
run lmod version -- "$L" --version
run lmod load-cuda-python MODULEPATH="$M/lua" -- "$L" python load cuda/12.4 python
run lmod load-tcl-default MODULEPATH="$M/tcl" -- "$L" python load cuda python/3.11
run lmod load-quoting MODULEPATH="$M/lua" Q_GONE=x -- "$L" python load quoting
run lmod load-unknown MODULEPATH="$M/lua" -- "$L" python load cuda/12.4 nosuch
run lmod load-broken MODULEPATH="$M/lua" -- "$L" python load broken
run lmod load-conflict MODULEPATH="$M/lua" -- "$L" python load cuda other
run lmod load-family-swap MODULEPATH="$M/lua" -- "$L" python load cuda/11.8 cuda/12.4
run lmod load-json-shell MODULEPATH="$M/lua" -- "$L" json load cuda
run lmod spider-page-lua -- "$S" -o jsonSoftwarePage "$M/lua"
run lmod spider-db-lua -- "$S" -o spider-json "$M/lua"
run lmod spider-page-tcl -- "$S" -o jsonSoftwarePage "$M/tcl"
run lmod spider-db-tcl -- "$S" -o spider-json "$M/tcl"

E=$MODULES_CMD
run envmodules version -- "$E" sh --version
run envmodules load-cuda-python MODULEPATH="$M/tcl" -- "$E" sh load cuda/12.4 python
run envmodules load-quoting MODULEPATH="$M/tcl" Q_GONE=x -- "$E" sh load quoting
run envmodules load-quoting-python MODULEPATH="$M/tcl" Q_GONE=x -- "$E" python load quoting
run envmodules load-unknown MODULEPATH="$M/tcl" -- "$E" sh load cuda/12.4 nosuch
run envmodules load-broken MODULEPATH="$M/tcl" -- "$E" sh load broken
run envmodules load-conflict MODULEPATH="$M/tcl" -- "$E" sh load cuda other
run envmodules load-already-loaded MODULEPATH="$M/tcl" LOADEDMODULES=cuda/12.4 _LMFILES_="$M/tcl/cuda/12.4" -- "$E" sh load cuda/12.4
run envmodules avail MODULEPATH="$M/tcl:$M/noisy" -- "$E" sh avail --json
run envmodules avail-defaults MODULEPATH="$M/tcl:$M/noisy" -- "$E" sh avail -d --json
run envmodules whatis MODULEPATH="$M/tcl" -- "$E" sh whatis --json
run envmodules whatis-noisy MODULEPATH="$M/tcl:$M/noisy" -- "$E" sh whatis --json
echo "recorded into $HERE/lmod and $HERE/envmodules from $M"
