package org.portico.gateway.batch;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

/**
 * The site's profiles, and the check of what a user chose on the spawn form or in the API against them. This
 * is the gateway's first check, before any command runs; the batch spawner checks the resulting options again
 * ({@link BatchConfiguration}).
 */
@Component
public final class ProfileCatalog {

	/** The fields a user may send with a start, besides {@code app}. */
	public static final Set<String> FIELDS = Set.of("profile", "hours", "queue", "immediate");

	private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,39}");

	private static final Pattern HOURS = Pattern.compile("[0-9]{1,4}(\\.[0-9]{1,4})?");

	private final Map<String, ProfileProperties.Profile> profiles;

	private final @Nullable String defaultProfile;

	public ProfileCatalog(ProfileProperties properties) {
		this.profiles = new TreeMap<>(properties.profiles());
		this.defaultProfile = properties.defaultProfile();
		if (this.defaultProfile != null && !this.profiles.containsKey(this.defaultProfile)) {
			throw new IllegalStateException("portico.default-profile names no configured profile: " + this.defaultProfile);
		}
		this.profiles.forEach((name, profile) -> {
			if (!NAME.matcher(name).matches()) {
				throw new IllegalStateException("profile name not allowed: " + name);
			}
			if (profile.defaultHours() <= 0 || profile.defaultHours() > profile.maxHours()) {
				throw new IllegalStateException("profile " + name + ": default-hours must be more than 0 and at most max-hours");
			}
		});
	}

	/** The profiles by name, in name order. */
	public Map<String, ProfileProperties.Profile> all() {
		return new LinkedHashMap<>(this.profiles);
	}

	public Optional<ProfileProperties.Profile> find(String name) {
		return Optional.ofNullable(this.profiles.get(name));
	}

	public @Nullable String defaultProfile() {
		return this.defaultProfile;
	}

	/**
	 * A user's choice, checked.
	 * @param profile the profile's name
	 * @param scheduler the spawner that runs it
	 * @param hours the walltime in hours, within the profile's maximum
	 * @param options the spawn options for the spawner: the profile's resources and the user's checked values
	 */
	public record Choice(String profile, String scheduler, double hours, Map<String, String> options) {

		public Choice {
			options = Map.copyOf(options);
		}
	}

	/**
	 * Checks a user's fields ({@link #FIELDS}; blank values count as absent).
	 * @return the choice, or empty when the start uses no profile (none named and no default profile), in
	 * which case only {@code hours} may be given
	 * @throws IllegalArgumentException with a message for the user that never echoes a value
	 */
	public Optional<Choice> choose(Map<String, String> fields) {
		Map<String, String> given = new LinkedHashMap<>();
		for (Map.Entry<String, String> e : fields.entrySet()) {
			if (!FIELDS.contains(e.getKey())) {
				throw new IllegalArgumentException("Unknown field '" + printable(e.getKey()) + "'; allowed: " + new TreeMap<>(
						Map.of("app", "", "profile", "", "hours", "", "queue", "", "immediate", "")).keySet() + ".");
			}
			String value = e.getValue();
			if (value == null) {
				continue;
			}
			if (value.length() > 64 || value.chars().anyMatch((c) -> c < 0x20 || c == 0x7f)) {
				throw new IllegalArgumentException("The field '" + e.getKey() + "' is too long or holds control characters.");
			}
			if (!value.isBlank()) {
				given.put(e.getKey(), value.strip());
			}
		}
		String name = given.getOrDefault("profile", this.defaultProfile);
		if (name == null) {
			if (given.containsKey("queue") || given.containsKey("immediate")) {
				throw new IllegalArgumentException("Choose a profile to pick a queue or to start now or wait.");
			}
			return Optional.empty();
		}
		ProfileProperties.Profile profile = NAME.matcher(name).matches() ? this.profiles.get(name) : null;
		if (profile == null) {
			throw new IllegalArgumentException("Unknown profile. Available: " + this.profiles.keySet() + ".");
		}
		double hours = hours(given.get("hours"), profile);
		String queue = profile.queue();
		if (given.containsKey("queue")) {
			List<String> offered = queues(profile);
			if (!offered.contains(given.get("queue"))) {
				throw new IllegalArgumentException("That queue is not offered by profile " + name + "; choose one of " + offered + ".");
			}
			queue = given.get("queue");
		}
		boolean immediate = profile.immediate();
		if (given.containsKey("immediate")) {
			Boolean wanted = bool(given.get("immediate"));
			if (wanted == null) {
				throw new IllegalArgumentException("'immediate' must be true or false.");
			}
			if (wanted != immediate && !profile.userChoosesImmediate()) {
				throw new IllegalArgumentException("Profile " + name + " does not let you choose between starting now and waiting.");
			}
			immediate = wanted;
		}
		Map<String, String> options = new LinkedHashMap<>();
		options.put("profile", name);
		put(options, "queue", queue);
		put(options, "account", profile.account());
		options.put("cores", Integer.toString(profile.cores()));
		put(options, "memory", profile.memory());
		options.put("gpus", Integer.toString(profile.gpus()));
		put(options, "gres", profile.gres());
		options.put("hours", new BigDecimal(Double.toString(hours)).stripTrailingZeros().toPlainString());
		options.put("immediate", Boolean.toString(immediate));
		return Optional.of(new Choice(name, profile.scheduler(), hours, options));
	}

	/** The queues a profile lets users pick: its own first. */
	public static List<String> queues(ProfileProperties.Profile profile) {
		List<String> all = new ArrayList<>();
		if (profile.queue() != null) {
			all.add(profile.queue());
		}
		profile.queues().stream().filter((q) -> !all.contains(q)).forEach(all::add);
		return all;
	}

	private static double hours(@Nullable String text, ProfileProperties.Profile profile) {
		if (text == null) {
			return profile.defaultHours();
		}
		if (!HOURS.matcher(text).matches()) {
			throw new IllegalArgumentException("Hours must be a number more than 0 and at most " + format(profile.maxHours()) + ".");
		}
		double hours = Double.parseDouble(text);
		if (!(hours > 0) || hours > profile.maxHours()) {
			throw new IllegalArgumentException("Hours must be more than 0 and at most " + format(profile.maxHours()) + ".");
		}
		return hours;
	}

	private static @Nullable Boolean bool(String text) {
		return switch (text.toLowerCase(Locale.ROOT)) {
			case "1", "true", "on", "yes" -> Boolean.TRUE;
			case "0", "false", "off", "no" -> Boolean.FALSE;
			default -> null;
		};
	}

	private static void put(Map<String, String> options, String key, @Nullable String value) {
		if (value != null && !value.isBlank()) {
			options.put(key, value);
		}
	}

	static String format(double hours) {
		return (hours == Math.rint(hours)) ? Long.toString((long) hours) : Double.toString(hours);
	}

	private static String printable(String text) {
		String clean = text.replaceAll("[^A-Za-z0-9_.-]", "?");
		return (clean.length() > 40) ? clean.substring(0, 40) : clean;
	}
}
