package org.portico.spawner.placement;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.jspecify.annotations.Nullable;

/** The words of each refusal, with the real numbers: one place for every sentence a user reads. */
final class Refusals {

	private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm");

	private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd");

	private final ZoneId zone;

	Refusals(ZoneId zone) {
		this.zone = zone;
	}

	Decision.Refused walltime(Duration max, Duration asked) {
		return refuse(RefusalReason.WALLTIME_LIMIT, duration(max) + " is the maximum; you asked for " + duration(asked) + ".");
	}

	Decision.Refused coreLimit(int max, int held, int asked) {
		String start = "You may use at most " + max + " cores at a time; ";
		return refuse(RefusalReason.CORE_LIMIT, (held == 0) ? start + "you asked for " + asked + "."
				: start + "you already use " + held + " and asked for " + asked + " more.");
	}

	/** @param nodes the nodes of the user's sessions, {@code null} for one still starting */
	Decision.Refused sessionLimit(int max, List<@Nullable String> nodes) {
		List<String> where = new ArrayList<>();
		boolean starting = false;
		for (String node : nodes) {
			if (node == null) {
				starting = true;
			}
			else {
				where.add(node);
			}
		}
		String place = where.isEmpty() ? "still starting"
				: ((where.size() == 1) ? "on node " : "on nodes ") + String.join(", ", where)
						+ (starting ? ", one still starting" : "");
		if (max == 1) {
			return refuse(RefusalReason.SESSION_LIMIT, "You already have a session (" + place + "); one per user.");
		}
		return refuse(RefusalReason.SESSION_LIMIT,
				"You already have " + nodes.size() + " sessions (" + place + "); " + max + " per user.");
	}

	Decision.Refused duplicate() {
		return refuse(RefusalReason.DUPLICATE, "This session is already being started.");
	}

	Decision.Refused noGpus() {
		return refuse(RefusalReason.TOO_LARGE, "This queue has no GPUs; start a session without a GPU.");
	}

	Decision.Refused tooManyCores(int asked, int max) {
		return refuse(RefusalReason.TOO_LARGE,
				"No node in this queue has " + asked + " cores; a session can have at most " + max + ".");
	}

	Decision.Refused tooMuchMemory(long askedMiB, long maxMiB) {
		return refuse(RefusalReason.TOO_LARGE, "No node in this queue can give " + memory(askedMiB)
				+ " of memory; a session can have at most " + memory(maxMiB) + ".");
	}

	Decision.Refused tooLarge(SeatSize size) {
		return refuse(RefusalReason.TOO_LARGE, "No node in this queue can hold " + size.cores() + " cores, "
				+ memory(size.memoryMiB()) + " of memory and " + gpu(size.gpu()) + " together; ask for less.");
	}

	/** @param nodes the closed nodes that could hold the session, with the scheduler's state word */
	Decision.Refused closed(List<String> nodes) {
		return refuse(RefusalReason.CLOSED, "No node of this queue takes new sessions now (" + String.join(", ", nodes)
				+ "); running sessions go on. Try again later.");
	}

	Decision.Refused full(int taken, int total) {
		return refuse(RefusalReason.FULL, fullSentence(taken, total));
	}

	Decision.Refused notStarted(int taken, int total, Instant start, Instant now) {
		return refuse(RefusalReason.RESERVATION_NOT_STARTED,
				fullSentence(taken, total) + " Your class reservation starts " + when(start, now) + ".");
	}

	/** @param blocking reservations whose held seats would fit, with their held counts */
	Decision.Refused reservedForOthers(List<ReservationState> blocking, Instant now) {
		List<String> parts = new ArrayList<>();
		for (ReservationState state : blocking) {
			int held = state.held.get();
			parts.add(held + ((held == 1) ? " seat is" : " seats are") + " held for group " + state.reservation.group()
					+ " until " + time(state.reservation.end(), now));
		}
		return refuse(RefusalReason.RESERVED_FOR_OTHERS,
				"Every free seat is reserved for a class: " + String.join("; ", parts) + ".");
	}

	private static String fullSentence(int taken, int total) {
		return "The interactive queue is full: " + taken + " of " + total + " seats are taken.";
	}

	private static Decision.Refused refuse(RefusalReason reason, String message) {
		return new Decision.Refused(reason, message);
	}

	private String when(Instant at, Instant now) {
		ZonedDateTime local = at.atZone(this.zone);
		return sameDay(local, now) ? "at " + TIME.format(local) : "on " + DAY.format(local) + " at " + TIME.format(local);
	}

	private String time(Instant at, Instant now) {
		ZonedDateTime local = at.atZone(this.zone);
		return sameDay(local, now) ? TIME.format(local) : DAY.format(local) + " " + TIME.format(local);
	}

	private boolean sameDay(ZonedDateTime local, Instant now) {
		return local.toLocalDate().equals(LocalDate.ofInstant(now, this.zone));
	}

	static String duration(Duration duration) {
		long minutes = (duration.toSeconds() + 59) / 60;
		long hours = minutes / 60;
		long rest = minutes % 60;
		if (hours == 0) {
			return rest + " min";
		}
		return (rest == 0) ? hours + " h" : hours + " h " + rest + " min";
	}

	static String memory(long mib) {
		if (mib >= 1024) {
			return (mib % 1024 == 0) ? (mib / 1024) + " GiB" : String.format(Locale.ROOT, "%.1f GiB", mib / 1024.0);
		}
		return mib + " MiB";
	}

	private static String gpu(GpuShare share) {
		switch (share) {
			case NONE:
				return "no GPU";
			case SLICE:
				return "a GPU slice";
			default:
				return "a whole GPU";
		}
	}
}
