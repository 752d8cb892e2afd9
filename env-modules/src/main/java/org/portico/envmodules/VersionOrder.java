package org.portico.envmodules;

/**
 * Natural ordering of module names: digit runs compare as numbers, so {@code python/3.9} sorts
 * before {@code python/3.11}. Used for display order only; which version is the default is always
 * the module system's decision.
 */
final class VersionOrder {

	private VersionOrder() {
	}

	static int compare(String a, String b) {
		int i = 0;
		int j = 0;
		while (i < a.length() && j < b.length()) {
			char ca = a.charAt(i);
			char cb = b.charAt(j);
			if (isDigit(ca) && isDigit(cb)) {
				int endA = digitsEnd(a, i);
				int endB = digitsEnd(b, j);
				String na = stripZeros(a.substring(i, endA));
				String nb = stripZeros(b.substring(j, endB));
				int byValue = (na.length() != nb.length()) ? Integer.compare(na.length(), nb.length()) : na.compareTo(nb);
				if (byValue != 0) {
					return byValue;
				}
				i = endA;
				j = endB;
			}
			else {
				int byChar = Character.compare(Character.toLowerCase(ca), Character.toLowerCase(cb));
				if (byChar != 0) {
					return byChar;
				}
				i++;
				j++;
			}
		}
		int byLength = Integer.compare(a.length() - i, b.length() - j);
		return (byLength != 0) ? byLength : a.compareTo(b);
	}

	private static int digitsEnd(String s, int from) {
		int end = from;
		while (end < s.length() && isDigit(s.charAt(end))) {
			end++;
		}
		return end;
	}

	private static boolean isDigit(char c) {
		return c >= '0' && c <= '9';
	}

	private static String stripZeros(String digits) {
		int k = 0;
		while (k < digits.length() - 1 && digits.charAt(k) == '0') {
			k++;
		}
		return digits.substring(k);
	}

}
