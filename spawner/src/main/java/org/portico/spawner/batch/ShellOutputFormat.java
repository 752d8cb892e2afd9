package org.portico.spawner.batch;

import java.io.IOException;
import java.io.Writer;

import freemarker.core.CommonMarkupOutputFormat;
import freemarker.core.CommonTemplateMarkupOutputModel;

/**
 * A FreeMarker output format for shell scripts: auto-escaping an interpolation means shell-quoting it, so
 * {@code [=spec.queue]} prints {@code 'batch'} and a hostile value stays one inert word. Only
 * {@code ?no_esc} (for values Portico validated as identifiers) and values that already are shell markup
 * (pre-quoted command words) bypass it.
 */
final class ShellOutputFormat extends CommonMarkupOutputFormat<ShellOutputFormat.ShellMarkup> {

	static final ShellOutputFormat INSTANCE = new ShellOutputFormat();

	private ShellOutputFormat() {
	}

	@Override
	public String getName() {
		return "portico-shell";
	}

	@Override
	public String getMimeType() {
		return "text/x-shellscript";
	}

	@Override
	public void output(String textToEsc, Writer out) throws IOException {
		out.write(ShellQuoting.quote(textToEsc));
	}

	@Override
	public String escapePlainText(String plainTextContent) {
		return ShellQuoting.quote(plainTextContent);
	}

	@Override
	public boolean isLegacyBuiltInBypassed(String builtInName) {
		return false;
	}

	@Override
	protected ShellMarkup newTemplateMarkupOutputModel(String plainTextContent, String markupContent) {
		return new ShellMarkup(plainTextContent, markupContent);
	}

	/** Text that already is shell syntax. */
	static final class ShellMarkup extends CommonTemplateMarkupOutputModel<ShellMarkup> {

		ShellMarkup(String plainTextContent, String markupContent) {
			super(plainTextContent, markupContent);
		}

		@Override
		public ShellOutputFormat getOutputFormat() {
			return INSTANCE;
		}
	}
}
