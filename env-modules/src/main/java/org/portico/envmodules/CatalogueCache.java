package org.portico.envmodules;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;

/**
 * Keeps catalogues, one per module system installation and {@code MODULEPATH}, until the module
 * tree changes.
 *
 * <p>Listing a large tree takes the tools seconds; checking whether it changed takes a stat per
 * file ({@link TreeStamp}). {@link #get} returns the kept catalogue while the last check is younger
 * than the check interval; after that it checks the tree again and lists it anew only if it
 * changed. A failed listing is not kept: the error reaches the caller, the previous catalogue
 * stays, and the next call tries again.
 *
 * <p>Thread-safe. Calls for the same key wait for one listing instead of running their own. The
 * check and the listing run inside the map's atomic compute, so a call for another key waits only
 * in the rare case that both keys share a hash bin; with a handful of {@code MODULEPATH}s that is a
 * fair price for not listing the same tree twice at once.
 */
public final class CatalogueCache {

	private record Key(ToolLocation location, List<Path> modulePath) {
	}

	private record Entry(Catalogue catalogue, TreeStamp stamp, long checkedAtNanos) {
	}

	private final Cache<Key, Entry> cache;

	private final Duration checkInterval;

	private final Ticker ticker;

	/**
	 * Creates a cache.
	 * @param checkInterval how long a catalogue is returned without looking at the tree; zero to
	 * look on every call
	 * @param maximumSize how many {@code MODULEPATH}s to keep catalogues for
	 */
	public CatalogueCache(Duration checkInterval, long maximumSize) {
		this(checkInterval, maximumSize, Ticker.systemTicker());
	}

	/* for testing */
	CatalogueCache(Duration checkInterval, long maximumSize, Ticker ticker) {
		if (checkInterval.isNegative()) {
			throw new IllegalArgumentException("checkInterval must not be negative: " + checkInterval);
		}
		this.checkInterval = checkInterval;
		this.ticker = Objects.requireNonNull(ticker, "ticker");
		this.cache = Caffeine.newBuilder().maximumSize(maximumSize).build();
	}

	/**
	 * The catalogue of {@code system}'s {@code MODULEPATH}, listed anew only if the tree changed.
	 * @param system the module system and {@code MODULEPATH} to list
	 * @return the current catalogue
	 * @throws ModuleException as {@link ModuleSystem#catalogue()}, when a listing was needed and
	 * failed; blocks while the tree is checked or listed
	 */
	public Catalogue get(ModuleSystem system) {
		Key key = new Key(system.location(), system.options().modulePath());
		Entry entry = this.cache.asMap().compute(key, (k, kept) -> {
			long now = this.ticker.read();
			if (kept != null && now - kept.checkedAtNanos() < this.checkInterval.toNanos()) {
				return kept;
			}
			// Stamp before listing: a change during the listing then shows up at the next check.
			TreeStamp stamp = TreeStamp.of(k.modulePath());
			if (kept != null && kept.stamp().equals(stamp)) {
				return new Entry(kept.catalogue(), stamp, now);
			}
			return new Entry(system.catalogue(), stamp, now);
		});
		return entry.catalogue();
	}

	/**
	 * Forgets every catalogue; the next {@link #get} lists again.
	 */
	public void invalidateAll() {
		this.cache.invalidateAll();
	}

}
