package org.portico.envmodules;

/**
 * A parser met output it does not understand. Module systems turn it into a
 * {@link ModuleException} with {@link ModuleException.Reason#UNEXPECTED_OUTPUT}.
 */
final class MalformedOutputException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	MalformedOutputException(String message) {
		super(message);
	}

	MalformedOutputException(String message, Throwable cause) {
		super(message, cause);
	}

	/** A bounded, visible excerpt of the text at {@code from}, for a message. */
	static String excerpt(String text, int from) {
		int end = Math.min(text.length(), from + 80);
		int newline = text.indexOf('\n', from);
		if (newline >= 0 && newline < end) {
			end = newline;
		}
		return ModuleSpec.quote(text.substring(from, end));
	}

}
