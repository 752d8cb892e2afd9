#!/bin/sh
# Portico kernel launcher, written by Portico's kernel-tools next to kernel.json. The same file
# serves every kernel: it holds no value of any kernel. Everything a kernel needs arrives as
# separate arguments from kernel.json's argv (Jupyter runs it without a shell), is checked here
# again, and is only ever expanded inside double quotes: nothing is spliced into code.
#
#   sh portico-kernel-launcher.sh [--name NAME]
#      [--module-system lmod|environment-modules --module-cmd PATH [--modulepath DIRS]]
#      [--venv DIR | --conda DIR | --pyenv-root DIR --pyenv-version VERSION]
#      --python PATH (-f CONNECTION_FILE | --check) [-- MODULE...]
#
# 1. Loads MODULE... with the module tool itself (its "sh" output, as "module load" does) and fails
#    unless the tool's exit code, its in-band status and LOADEDMODULES afterwards all say that every
#    module is loaded under exactly the name given (kernel-tools pins the versions it resolved).
# 2. Activates the environment: a venv (VIRTUAL_ENV, PATH), a conda env (CONDA_PREFIX, PATH, and its
#    etc/conda/activate.d/*.sh hooks, as "conda activate" runs them) or a pyenv version
#    (PYENV_ROOT, PYENV_VERSION, PATH).
# 3. Execs PYTHON -m ipykernel_launcher -f CONNECTION_FILE; with --check, prints what it found
#    instead (key=value lines) and exits.
# Any failure prints "portico kernel NAME: ..." on stderr (Jupyter's log shows it) and exits:
# 2 usage, 3 module tool missing, 4 module load failed, 5 modules loaded differ, 6 interpreter
# missing or broken, 7 ipykernel missing, 8 environment missing.

name=kernel system= tool= modulepath= kind=none envdir= pyenvroot= pyenvversion= python= conn= check=

die() {
	code=$1
	shift
	printf 'portico kernel %s: %s\n' "$name" "$*" >&2
	exit "$code"
}

while [ "$#" -gt 0 ]; do
	case $1 in
		--check) check=yes; shift; continue ;;
		--) shift; break ;;
		--name | --module-system | --module-cmd | --modulepath | --venv | --conda | --pyenv-root | \
		--pyenv-version | --python | -f) ;;
		*) die 2 "unknown launcher argument: $1" ;;
	esac
	[ "$#" -ge 2 ] || die 2 "$1 needs a value"
	case $1 in
		--name) name=$2 ;;
		--module-system) system=$2 ;;
		--module-cmd) tool=$2 ;;
		--modulepath) modulepath=$2 ;;
		--venv) kind=venv; envdir=$2 ;;
		--conda) kind=conda; envdir=$2 ;;
		--pyenv-root) kind=pyenv; pyenvroot=$2 ;;
		--pyenv-version) kind=pyenv; pyenvversion=$2 ;;
		--python) python=$2 ;;
		-f) conn=$2 ;;
	esac
	shift 2
done

[ -n "$python" ] || die 2 "no --python given"
[ -n "$conn" ] || [ -n "$check" ] || die 2 "no connection file (-f) given"

# --- 1. modules ----------------------------------------------------------------------------------
if [ "$#" -gt 0 ]; then
	for module in "$@"; do
		# The same rule as kernel-tools' ModuleSpec: a module name is never an option or a path trick.
		case $module in
			'' | -* | */-* | /* | */ | *//* | . | .. | ./* | ../* | */./* | */../* | */. | */.. | *[!A-Za-z0-9._+/-]*)
				die 2 "refusing module name '$module'" ;;
		esac
	done
	case $system in
		lmod) fallback=${LMOD_CMD-} ;;
		environment-modules) fallback=${MODULES_CMD-} ;;
		*) die 2 "unknown module system '$system'" ;;
	esac
	# The recorded tool first; on a node where it lives elsewhere, the one the node's own
	# environment names.
	if [ ! -x "$tool" ] && [ -n "$fallback" ] && [ -x "$fallback" ]; then
		tool=$fallback
	fi
	[ -x "$tool" ] || die 3 "cannot load modules $*: the $system command $tool is not installed on $(uname -n)"
	if [ -n "$modulepath" ]; then
		MODULEPATH=$modulepath
		export MODULEPATH
	fi
	if [ "$system" = lmod ]; then
		# Messages must stay on stderr: LMOD_REDIRECT would put them into the code to evaluate.
		code=$(unset LMOD_REDIRECT; LMOD_COLORIZE=no; export LMOD_COLORIZE; "$tool" sh load "$@")
	else
		code=$(MODULES_COLOR=never; export MODULES_COLOR; "$tool" sh load "$@")
	fi
	status=$?
	# Lmod exits 1 and prints "false"; Environment Modules exits 0 and ends with "test 0 = 1;".
	last=$(printf '%s\n' "$code" | sed -n '/[^[:space:]]/h; ${x;p;}')
	if [ "$status" -ne 0 ] || [ "$last" = 'false' ] || [ "$last" = 'test 0 = 1;' ]; then
		die 4 "module load $* failed with $system $tool (exit code $status; its message is above)"
	fi
	eval "$code" || die 4 "the output of module load $* did not evaluate (exit code $?)"
	missing=
	for module in "$@"; do
		case ":${LOADEDMODULES-}:" in
			*":$module:"*) ;;
			*) missing="$missing $module" ;;
		esac
	done
	[ -z "$missing" ] || die 5 "module load $* reported success, but$missing is not loaded afterwards (loaded: ${LOADEDMODULES-none})"
fi

# --- 2. environment ------------------------------------------------------------------------------
case $kind in
	venv)
		[ -d "$envdir" ] || die 8 "the virtualenv $envdir does not exist"
		VIRTUAL_ENV=$envdir
		PATH=$envdir/bin:$PATH
		export VIRTUAL_ENV PATH
		unset PYTHONHOME
		;;
	conda)
		[ -d "$envdir/conda-meta" ] || die 8 "the conda environment $envdir does not exist (no conda-meta folder)"
		CONDA_PREFIX=$envdir
		CONDA_DEFAULT_ENV=$envdir
		CONDA_SHLVL=1
		PATH=$envdir/bin:$PATH
		export CONDA_PREFIX CONDA_DEFAULT_ENV CONDA_SHLVL PATH
		unset PYTHONHOME
		# As "conda activate" does: source every activate.d/*.sh in name order; like conda, a hook
		# that returns non-zero does not stop the activation.
		for hook in "$envdir"/etc/conda/activate.d/*.sh; do
			if [ -f "$hook" ]; then
				. "$hook" || printf 'portico kernel %s: conda hook %s returned %s\n' "$name" "$hook" "$?" >&2
			fi
		done
		;;
	pyenv)
		[ -d "$pyenvroot/versions/$pyenvversion" ] || die 8 "pyenv version $pyenvversion does not exist in $pyenvroot/versions"
		PYENV_ROOT=$pyenvroot
		PYENV_VERSION=$pyenvversion
		PATH=$pyenvroot/versions/$pyenvversion/bin:$PATH
		export PYENV_ROOT PYENV_VERSION PATH
		;;
esac

# --- 3. the kernel -------------------------------------------------------------------------------
[ -f "$python" ] && [ -x "$python" ] || die 6 "the Python interpreter $python does not exist or is not executable"
if [ -n "$check" ]; then
	printf 'python=%s\nloaded=%s\n' "$python" "${LOADEDMODULES-}"
	"$python" -c 'import sys
print("version=" + sys.version.split()[0])
print("prefix=" + sys.prefix)
try:
    import ipykernel
except Exception as error:
    print("ipykernel-error=" + repr(error))
    sys.exit(17)
print("ipykernel=" + ipykernel.__version__)'
	status=$?
	[ "$status" -ne 17 ] || die 7 "ipykernel is not installed for $python; install it with: $python -m pip install ipykernel"
	[ "$status" -eq 0 ] || die 6 "the Python interpreter $python failed (exit code $status)"
	exit 0
fi
"$python" -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec("ipykernel_launcher") is None)'
status=$?
[ "$status" -ne 1 ] || die 7 "ipykernel is not installed for $python; install it with: $python -m pip install ipykernel"
[ "$status" -eq 0 ] || die 6 "the Python interpreter $python failed (exit code $status)"
exec "$python" -m ipykernel_launcher -f "$conn"
