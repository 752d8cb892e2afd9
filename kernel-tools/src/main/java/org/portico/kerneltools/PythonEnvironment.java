package org.portico.kerneltools;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * The one Python environment a kernel activates after its modules: a virtualenv, a conda env, a
 * pyenv version or a given interpreter. In JSON, an object whose {@code kind} is {@code venv},
 * {@code conda}, {@code pyenv} or {@code python}.
 *
 * <p>Constructors check only the form (absolute paths, allowed characters); whether the
 * environment exists and has a Python is checked when a kernel is created or checked.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({ @JsonSubTypes.Type(value = PythonEnvironment.Virtualenv.class, name = "venv"),
		@JsonSubTypes.Type(value = PythonEnvironment.CondaEnv.class, name = "conda"),
		@JsonSubTypes.Type(value = PythonEnvironment.PyenvVersion.class, name = "pyenv"),
		@JsonSubTypes.Type(value = PythonEnvironment.Interpreter.class, name = "python") })
public sealed interface PythonEnvironment {

	/**
	 * The interpreter the kernel runs.
	 * @return an absolute path, or for {@link Interpreter} possibly a bare name such as
	 * {@code python3} that is looked up on the modules' {@code PATH} when the kernel is created
	 */
	Path python();

	/**
	 * A short description for display names and messages, such as {@code venv ml}.
	 * @return the label
	 */
	String label();

	/**
	 * The launcher's arguments that select this environment (without {@code --python}).
	 * @return arguments, each a separate element
	 */
	List<String> launcherArguments();

	/**
	 * A virtualenv made by {@code python -m venv} or {@code virtualenv}: activating it sets
	 * {@code VIRTUAL_ENV} and puts its {@code bin} first on {@code PATH}.
	 *
	 * @param path the virtualenv's folder, absolute
	 */
	record Virtualenv(Path path) implements PythonEnvironment {

		/**
		 * Checks the path's form.
		 * @throws IllegalArgumentException if it is not absolute or has a refused character
		 */
		public Virtualenv {
			path = UserPaths.checkAbsolute("virtualenv", path);
		}

		@Override
		public Path python() {
			return this.path.resolve("bin/python");
		}

		@Override
		public String label() {
			return "venv " + lastName(this.path);
		}

		@Override
		public List<String> launcherArguments() {
			return List.of("--venv", this.path.toString());
		}

	}

	/**
	 * A conda environment (a prefix with a {@code conda-meta} folder): activating it sets
	 * {@code CONDA_PREFIX}, puts its {@code bin} first on {@code PATH} and sources its
	 * {@code etc/conda/activate.d/*.sh} hooks.
	 *
	 * @param prefix the environment's folder, absolute
	 */
	record CondaEnv(Path prefix) implements PythonEnvironment {

		/**
		 * Checks the path's form.
		 * @throws IllegalArgumentException if it is not absolute or has a refused character
		 */
		public CondaEnv {
			prefix = UserPaths.checkAbsolute("conda environment", prefix);
		}

		@Override
		public Path python() {
			return this.prefix.resolve("bin/python");
		}

		@Override
		public String label() {
			return "conda " + lastName(this.prefix);
		}

		@Override
		public List<String> launcherArguments() {
			return List.of("--conda", this.prefix.toString());
		}

	}

	/**
	 * A pyenv version, a folder {@code ROOT/versions/VERSION}: activating it sets
	 * {@code PYENV_ROOT} and {@code PYENV_VERSION} and puts its {@code bin} first on {@code PATH}.
	 *
	 * @param root pyenv's root ({@code $PYENV_ROOT}, usually {@code ~/.pyenv}), absolute
	 * @param version the version's folder name, such as {@code 3.11.7}: letters, digits and
	 * {@code . _ + -}, not starting with {@code .} or {@code -}, at most 100 characters
	 */
	record PyenvVersion(Path root, String version) implements PythonEnvironment {

		private static final Pattern VERSION = Pattern.compile("[A-Za-z0-9_+][A-Za-z0-9._+-]{0,99}");

		/**
		 * Checks the form.
		 * @throws IllegalArgumentException if the root is not absolute or the version is refused
		 */
		public PyenvVersion {
			root = UserPaths.checkAbsolute("pyenv root", root);
			Objects.requireNonNull(version, "version");
			if (!VERSION.matcher(version).matches()) {
				throw new IllegalArgumentException("pyenv version " + Texts.quote(version)
						+ " refused: only letters, digits and . _ + - are allowed, not first . or -, at most 100");
			}
		}

		/**
		 * The version's folder.
		 * @return {@code root/versions/version}
		 */
		public Path prefix() {
			return this.root.resolve("versions").resolve(this.version);
		}

		@Override
		public Path python() {
			return prefix().resolve("bin/python");
		}

		@Override
		public String label() {
			return "pyenv " + this.version;
		}

		@Override
		public List<String> launcherArguments() {
			return List.of("--pyenv-root", this.root.toString(), "--pyenv-version", this.version);
		}

	}

	/**
	 * A given interpreter, such as a module's {@code python3}: nothing is activated.
	 *
	 * @param python an absolute path, or a bare name matching {@code python[0-9.]*} to look up on
	 * the {@code PATH} the kernel's modules give (resolved to an absolute path at creation)
	 */
	record Interpreter(Path python) implements PythonEnvironment {

		private static final Pattern BARE = Pattern.compile("python[0-9.]{0,10}");

		/**
		 * Checks the form.
		 * @throws IllegalArgumentException if it is neither absolute nor an accepted bare name
		 */
		public Interpreter {
			Objects.requireNonNull(python, "python");
			if (!BARE.matcher(python.toString()).matches()) {
				python = UserPaths.checkAbsolute("Python interpreter", python);
			}
		}

		/**
		 * Whether this still has to be looked up on a {@code PATH}.
		 * @return true for a bare name
		 */
		@com.fasterxml.jackson.annotation.JsonIgnore
		public boolean isBareName() {
			return !this.python.isAbsolute();
		}

		@Override
		public String label() {
			return this.python.toString();
		}

		@Override
		public List<String> launcherArguments() {
			return List.of();
		}

	}

	private static String lastName(Path path) {
		Path name = path.getFileName();
		return (name != null) ? name.toString() : path.toString();
	}

}
