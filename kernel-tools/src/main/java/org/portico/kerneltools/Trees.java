package org.portico.kerneltools;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Deleting a kernel's folder: depth first, never following a symbolic link out of it (a link is
 * removed, not what it points to).
 */
final class Trees {

	private Trees() {
	}

	static void delete(Path root) throws IOException {
		Files.walkFileTree(root, new SimpleFileVisitor<>() {
			@Override
			public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
				Files.delete(file);
				return FileVisitResult.CONTINUE;
			}

			@Override
			public FileVisitResult postVisitDirectory(Path dir, IOException failure) throws IOException {
				if (failure != null) {
					throw failure;
				}
				Files.delete(dir);
				return FileVisitResult.CONTINUE;
			}
		});
	}

	static void deleteQuietly(Path root) {
		try {
			if (Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
				delete(root);
			}
		}
		catch (IOException ex) {
			// A leftover scratch folder is harmless; failing the operation for it is not.
		}
	}

}
