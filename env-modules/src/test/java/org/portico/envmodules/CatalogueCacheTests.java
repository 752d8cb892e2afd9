package org.portico.envmodules;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class CatalogueCacheTests {

	@TempDir
	Path tree;

	private final AtomicLong nanos = new AtomicLong();

	@Test
	void listsOnceWhileTheTreeIsUnchanged() throws IOException {
		write("cuda/12.4");
		CountingSystem system = new CountingSystem(this.tree);
		CatalogueCache cache = new CatalogueCache(Duration.ZERO, 10, this.nanos::get);

		Catalogue first = cache.get(system);
		Catalogue second = cache.get(system);

		assertThat(second).isSameAs(first);
		assertThat(system.listings.get()).isEqualTo(1);
	}

	@Test
	void listsAgainWhenAModulefileIsAddedEditedOrRemoved() throws IOException {
		Path cuda = write("cuda/12.4");
		CountingSystem system = new CountingSystem(this.tree);
		CatalogueCache cache = new CatalogueCache(Duration.ZERO, 10, this.nanos::get);
		cache.get(system);

		write("python/3.11");
		cache.get(system);
		assertThat(system.listings.get()).isEqualTo(2);

		// an edit that keeps the size and even sets an older modification time
		Files.writeString(cuda, "#%Module1.0 v2");
		Files.setLastModifiedTime(cuda, FileTime.from(Instant.parse("2001-01-01T00:00:00Z")));
		cache.get(system);
		assertThat(system.listings.get()).isEqualTo(3);

		Files.delete(cuda);
		cache.get(system);
		assertThat(system.listings.get()).isEqualTo(4);
		cache.get(system);
		assertThat(system.listings.get()).isEqualTo(4);
	}

	@Test
	void looksAtTheTreeOnlyAfterTheCheckInterval() throws IOException {
		write("cuda/12.4");
		CountingSystem system = new CountingSystem(this.tree);
		CatalogueCache cache = new CatalogueCache(Duration.ofSeconds(10), 10, this.nanos::get);
		cache.get(system);

		write("python/3.11");
		this.nanos.addAndGet(Duration.ofSeconds(9).toNanos());
		cache.get(system);
		assertThat(system.listings.get()).isEqualTo(1);

		this.nanos.addAndGet(Duration.ofSeconds(1).toNanos());
		cache.get(system);
		assertThat(system.listings.get()).isEqualTo(2);
	}

	@Test
	void keepsOneCatalogueperModulePath(@TempDir Path other) throws IOException {
		write("cuda/12.4");
		CountingSystem system = new CountingSystem(this.tree);
		CatalogueCache cache = new CatalogueCache(Duration.ZERO, 10, this.nanos::get);

		Catalogue mine = cache.get(system);
		Catalogue theirs = cache.get(system.withOptions(ModuleSystemOptions.of(List.of(other))));

		assertThat(theirs.modulePath()).containsExactly(other.toString());
		assertThat(mine.modulePath()).containsExactly(this.tree.toString());
		assertThat(system.listings.get()).isEqualTo(2);
		assertThat(cache.get(system)).isSameAs(mine);
	}

	@Test
	void aFailedListingIsNotKeptAndIsTriedAgain() throws IOException {
		write("cuda/12.4");
		CountingSystem system = new CountingSystem(this.tree);
		CatalogueCache cache = new CatalogueCache(Duration.ZERO, 10, this.nanos::get);
		Catalogue good = cache.get(system);

		write("broken/1");
		system.failNext = true;
		assertThatExceptionOfType(ModuleException.class).isThrownBy(() -> cache.get(system))
			.withMessage("listing failed");
		Catalogue again = cache.get(system);

		assertThat(again).isNotSameAs(good);
		assertThat(system.listings.get()).isEqualTo(3);
	}

	@Test
	void stampSeesEntriesAndIgnoresMissingDirectories() throws IOException {
		write("a/1");
		TreeStamp stamp = TreeStamp.of(List.of(this.tree, this.tree.resolve("missing")));
		// the tree, a/ and a/1
		assertThat(stamp.entries()).isEqualTo(3);
		assertThat(stamp.newestModifiedMillis()).isPositive();
		assertThat(TreeStamp.of(List.of(this.tree.resolve("missing")))).isEqualTo(new TreeStamp(0, -1, 0));
	}

	private Path write(String name) throws IOException {
		Path file = this.tree.resolve(name);
		Files.createDirectories(file.getParent());
		Files.writeString(file, "#%Module1.0");
		return file;
	}

	/** A module system double that counts listings; its catalogue names what the tree holds. */
	private static final class CountingSystem implements ModuleSystem {

		final AtomicInteger listings;

		private final ModuleSystemOptions options;

		boolean failNext;

		CountingSystem(Path tree) {
			this(ModuleSystemOptions.of(List.of(tree)), new AtomicInteger());
		}

		private CountingSystem(ModuleSystemOptions options, AtomicInteger listings) {
			this.options = options;
			this.listings = listings;
		}

		@Override
		public ModuleSystemKind kind() {
			return ModuleSystemKind.LMOD;
		}

		@Override
		public String version() {
			return "test";
		}

		@Override
		public ToolLocation location() {
			return new ToolLocation(ModuleSystemKind.LMOD, Path.of("/fake/lmod"));
		}

		@Override
		public ModuleSystemOptions options() {
			return this.options;
		}

		@Override
		public ModuleSystem withOptions(ModuleSystemOptions options) {
			return new CountingSystem(options, this.listings);
		}

		@Override
		public Catalogue catalogue() {
			this.listings.incrementAndGet();
			if (this.failNext) {
				this.failNext = false;
				throw new ModuleException(ModuleException.Reason.CATALOGUE_FAILED, kind(), List.of(), "listing failed", "",
						null);
			}
			return new Catalogue(kind(), this.options.modulePath().stream().map(Path::toString).toList(), new ArrayList<>(),
					Instant.now());
		}

		@Override
		public EnvironmentChange load(List<ModuleSpec> modules, Map<String, String> baseEnvironment) {
			throw new UnsupportedOperationException();
		}

	}

}
