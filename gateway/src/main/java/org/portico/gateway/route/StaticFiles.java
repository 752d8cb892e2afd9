package org.portico.gateway.route;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * Files of a route that the gateway serves itself from a folder on its own host instead of asking the
 * server (noVNC's pages and scripts, which a desktop's websockify would otherwise send through the job):
 * the same bytes, one network hop less, and cacheable.
 *
 * @param dir the folder, absolute
 * @param paths which paths under the route's prefix it covers: an entry ending in {@code /} covers every
 * file beneath that folder ({@code core/}), any other entry exactly that file ({@code vnc.html}); paths are
 * relative, without dot or empty segments
 */
public record StaticFiles(Path dir, List<String> paths) {

	public StaticFiles {
		Objects.requireNonNull(dir, "dir");
		if (!dir.isAbsolute()) {
			throw new IllegalArgumentException("a static-dir must be an absolute path, not " + dir);
		}
		paths = List.copyOf(paths);
		if (paths.isEmpty()) {
			throw new IllegalArgumentException("a static-dir needs static-paths: the files and folders (ending in /) it serves");
		}
		for (String path : paths) {
			if (!isRelative(path.endsWith("/") ? path.substring(0, path.length() - 1) : path)) {
				throw new IllegalArgumentException("a static path is relative, without '.', '..', empty segments or backslashes, not '"
						+ path + "'");
			}
		}
	}

	/**
	 * The file a request for {@code relative} (its path below the route's prefix, decoded) is answered with,
	 * or {@code null} when these files do not cover it (it then goes to the server); the file may be missing or a
	 * folder, which the gateway answers with 404. Never outside {@code dir}:
	 * {@code relative} must be a plain relative path, and the result is checked to stay under {@code dir}.
	 */
	public @Nullable Path resolve(String relative) {
		// a folder's own path ("core/") resolves too, so that the gateway, not the server, answers it (404, no listing)
		String name = relative.endsWith("/") ? relative.substring(0, relative.length() - 1) : relative;
		if (!isRelative(name) || !covers(relative)) {
			return null;
		}
		Path file = this.dir.resolve(name).normalize();
		return file.startsWith(this.dir) ? file : null;
	}

	private boolean covers(String relative) {
		for (String path : this.paths) {
			if (path.endsWith("/") ? relative.startsWith(path) : relative.equals(path)) {
				return true;
			}
		}
		return false;
	}

	/** One or more non-empty segments, none of them a dot segment, no backslash or control character. */
	private static boolean isRelative(String path) {
		if (path.isEmpty() || path.startsWith("/") || path.endsWith("/")) {
			return false;
		}
		for (String segment : path.split("/", -1)) {
			if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
				return false;
			}
		}
		for (int i = 0; i < path.length(); i++) {
			char c = path.charAt(i);
			if (c < 0x20 || c == 0x7f || c == '\\') {
				return false;
			}
		}
		return true;
	}
}
