package dev.affinity.proxy.balancer;

import static java.util.Objects.requireNonNull;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The part of httpd's ap_expr that health checks use: a test of the check's response status,
 * {@code {%{REQUEST_STATUS} =~ /^[23]/}}, {@code !~}, or a number comparison such as
 * {@code {%{REQUEST_STATUS} -lt 400}} ({@code -eq -ne -lt -le -gt -ge}), optionally negated with
 * {@code !}. Anything else is refused at startup rather than misread.
 *
 * @param source the expression as written
 */
public record StatusExpression(String source, Pattern regex, boolean regexMatches, String operator, int number,
                               boolean negated) {

    private static final String STATUS = "%{REQUEST_STATUS}";

    public StatusExpression {
        requireNonNull(source, "source");
    }

    /** @throws IllegalArgumentException naming the supported forms */
    public static StatusExpression parse(String text) {
        String s = text.strip();
        if (s.startsWith("{") && s.endsWith("}")) {
            s = s.substring(1, s.length() - 1).strip();
        }
        boolean negated = false;
        if (s.startsWith("!")) {
            negated = true;
            s = s.substring(1).strip();
            if (s.startsWith("(") && s.endsWith(")")) {
                s = s.substring(1, s.length() - 1).strip();
            }
        }
        if (!s.startsWith(STATUS)) {
            throw unsupported(text);
        }
        String rest = s.substring(STATUS.length()).strip();
        if (rest.startsWith("=~") || rest.startsWith("!~")) {
            String re = rest.substring(2).strip();
            if (re.length() < 2 || re.charAt(0) != '/' || re.charAt(re.length() - 1) != '/') {
                throw unsupported(text);
            }
            try {
                return new StatusExpression(text, Pattern.compile(re.substring(1, re.length() - 1)),
                        rest.startsWith("=~"), null, 0, negated);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("ProxyHCExpr regex in '" + text + "' does not compile: " + e.getDescription());
            }
        }
        String[] parts = rest.split("\\s+");
        if (parts.length != 2 || !parts[0].matches("-(eq|ne|lt|le|gt|ge)") || !parts[1].matches("[0-9]{1,3}")) {
            throw unsupported(text);
        }
        return new StatusExpression(text, null, false, parts[0], Integer.parseInt(parts[1]), negated);
    }

    private static IllegalArgumentException unsupported(String text) {
        return new IllegalArgumentException("ProxyHCExpr '" + text + "' is not supported (expected: {%{REQUEST_STATUS} =~ /regex/}, "
                + "!~, or {%{REQUEST_STATUS} -lt 400} with -eq -ne -lt -le -gt -ge, optionally negated with !)");
    }

    /** Whether a check that got this status passes. */
    public boolean passes(int status) {
        boolean result;
        if (regex != null) {
            result = regex.matcher(String.valueOf(status)).find() == regexMatches;
        } else {
            result = switch (operator) {
                case "-eq" -> status == number;
                case "-ne" -> status != number;
                case "-lt" -> status < number;
                case "-le" -> status <= number;
                case "-gt" -> status > number;
                default -> status >= number;
            };
        }
        return result != negated;
    }
}
