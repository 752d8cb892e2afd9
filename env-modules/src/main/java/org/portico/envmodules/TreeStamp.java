package org.portico.envmodules;

import java.io.IOException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.EnumSet;
import java.util.List;

/**
 * A cheap fingerprint of module trees: how many entries they hold, the newest modification time and
 * a hash over every entry's path, size and modification time. Adding, removing, renaming or editing
 * a modulefile (or a {@code .version}/{@code .modulerc}) changes it, even when a copy kept an older
 * modification time. Symbolic links are followed, as the module tools do; loops and unreadable
 * directories are skipped.
 *
 * @param entries files and directories seen
 * @param newestModifiedMillis the newest modification time, or -1 if nothing was found
 * @param hash an order-independent hash of path, size and modification time of every entry
 */
record TreeStamp(long entries, long newestModifiedMillis, long hash) {

	/** Deep enough for any real module hierarchy, shallow enough to stop a runaway link farm. */
	private static final int MAX_DEPTH = 24;

	/**
	 * Walks the directories. Blocks for the duration of the walk: a stat per entry.
	 * @param roots the {@code MODULEPATH} directories; missing ones count as empty
	 * @return the stamp
	 */
	static TreeStamp of(List<Path> roots) {
		long[] acc = { 0, -1, 0 };
		for (Path root : roots) {
			if (!Files.exists(root)) {
				continue;
			}
			try {
				Files.walkFileTree(root, EnumSet.of(FileVisitOption.FOLLOW_LINKS), MAX_DEPTH, new SimpleFileVisitor<>() {

					@Override
					public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
						add(dir, attrs);
						return FileVisitResult.CONTINUE;
					}

					@Override
					public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
						add(file, attrs);
						return FileVisitResult.CONTINUE;
					}

					@Override
					public FileVisitResult visitFileFailed(Path file, IOException ex) {
						// a loop of symbolic links, a dangling link or no permission: not a modulefile one can load
						return FileVisitResult.CONTINUE;
					}

					private void add(Path path, BasicFileAttributes attrs) {
						long modified = attrs.lastModifiedTime().toMillis();
						long entry = path.toString().hashCode() * 31L + attrs.size();
						entry = entry * 1_000_003L + modified;
						acc[0]++;
						acc[1] = Math.max(acc[1], modified);
						acc[2] += mix(entry);
					}

				});
			}
			catch (IOException ex) {
				// walkFileTree reports per-entry problems to visitFileFailed; this is the root itself
			}
		}
		return new TreeStamp(acc[0], acc[1], acc[2]);
	}

	/** A 64-bit finaliser, so that summing entry hashes does not cancel out. */
	private static long mix(long value) {
		long z = value + 0x9E3779B97F4A7C15L;
		z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
		z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
		return z ^ (z >>> 31);
	}

}
