package dev.affinity.proxy.balancer;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A {@code ProxyHCExpr}: the part of httpd's ap_expr that a health check can use, parsed once at
 * startup and evaluated against each check's response.
 *
 * <ul>
 *   <li>values: {@code %{REQUEST_STATUS}}, {@code hc('body')} (the response body of a GET check; empty
 *       for HEAD and OPTIONS), {@code 'string'} or {@code "string"}, and numbers;</li>
 *   <li>tests: {@code =~ /regex/} and {@code !~} (also {@code m#regex#}, flag {@code i}),
 *       {@code == != < <= > >=} on strings, {@code -eq -ne -lt -le -gt -ge} on integers,
 *       {@code in {'200', '204'}}, {@code -n} and {@code -z};</li>
 *   <li>{@code !}, {@code &&}, {@code ||}, parentheses, {@code true} and {@code false}.</li>
 * </ul>
 *
 * <p>So httpd's own examples work as written: {@code {%{REQUEST_STATUS} =~ /^[234]/}} and
 * {@code {hc('body') !~ /Under maintenance/}}. Anything else (other variables, functions, string
 * interpolation) is refused at startup, naming where the expression went wrong, rather than misread.
 */
public final class HealthExpression {

    /** What a check's response offers to an expression. */
    public record Response(int status, String body) {
        public Response {
            requireNonNull(body, "body");
        }
    }

    private final String source;
    private final Test test;
    private final boolean readsBody;

    private HealthExpression(String source, Test test, boolean readsBody) {
        this.source = source;
        this.test = test;
        this.readsBody = readsBody;
    }

    /** @throws IllegalArgumentException naming the column and what was expected there */
    public static HealthExpression parse(String text) {
        requireNonNull(text, "text");
        Parser parser = new Parser(text);
        Test test = parser.whole();
        return new HealthExpression(text, test, parser.readsBody);
    }

    /** Whether a check whose response is this passes. */
    public boolean passes(Response response) {
        return test.test(response);
    }

    /** Whether the expression looks at the body, so that a check must read it. */
    public boolean readsBody() {
        return readsBody;
    }

    public String source() {
        return source;
    }

    @Override
    public String toString() {
        return source;
    }

    private interface Test {
        boolean test(Response r);
    }

    private interface Value {
        String value(Response r);
    }

    /** Recursive descent over the text; positions in messages count from 1. */
    private static final class Parser {
        private static final String SUPPORTED = "supported: %{REQUEST_STATUS}, hc('body'), 'strings' and numbers, "
                + "compared with =~ /re/, !~, == != < <= > >=, -eq -ne -lt -le -gt -ge, in {…}, -n, -z, "
                + "and combined with ! && || ( )";
        private static final Set<String> INTEGER_OPERATORS = Set.of("-eq", "-ne", "-lt", "-le", "-gt", "-ge");

        private final String text;
        private int pos;
        boolean readsBody;

        Parser(String text) {
            this.text = text;
        }

        Test whole() {
            skipSpace();
            boolean braced = peek('{');
            if (braced) {
                pos++;
            }
            Test test = or();
            skipSpace();
            if (braced) {
                expect("}");
                skipSpace();
            }
            if (pos < text.length()) {
                throw error("unexpected '" + text.substring(pos) + "'");
            }
            return test;
        }

        private Test or() {
            Test left = and();
            while (take("||")) {
                Test l = left;
                Test r = and();
                left = x -> l.test(x) || r.test(x);
            }
            return left;
        }

        private Test and() {
            Test left = unary();
            while (take("&&")) {
                Test l = left;
                Test r = unary();
                left = x -> l.test(x) && r.test(x);
            }
            return left;
        }

        private Test unary() {
            skipSpace();
            if (peek('!') && !text.startsWith("!=", pos) && !text.startsWith("!~", pos)) {
                pos++;
                Test inner = unary();
                return x -> !inner.test(x);
            }
            return primary();
        }

        private Test primary() {
            skipSpace();
            if (take("(")) {
                Test inner = or();
                expect(")");
                return inner;
            }
            if (takeWord("true")) {
                return x -> true;
            }
            if (takeWord("false")) {
                return x -> false;
            }
            if (takeWord("-n")) {
                Value v = value();
                return x -> !v.value(x).isEmpty();
            }
            if (takeWord("-z")) {
                Value v = value();
                return x -> v.value(x).isEmpty();
            }
            Value left = value();
            skipSpace();
            if (take("=~")) {
                Pattern re = regex();
                return x -> re.matcher(left.value(x)).find();
            }
            if (take("!~")) {
                Pattern re = regex();
                return x -> !re.matcher(left.value(x)).find();
            }
            for (String op : List.of("==", "!=", "<=", ">=", "<", ">")) {
                if (take(op)) {
                    Value right = value();
                    return stringComparison(op, left, right);
                }
            }
            for (String op : INTEGER_OPERATORS) {
                if (takeWord(op)) {
                    Value right = value();
                    return integerComparison(op, left, right);
                }
            }
            if (takeWord("in")) {
                List<Value> list = list();
                return x -> {
                    String v = left.value(x);
                    return list.stream().anyMatch(item -> item.value(x).equals(v));
                };
            }
            throw error("expected a test after the value (" + SUPPORTED + ")");
        }

        private static Test stringComparison(String op, Value left, Value right) {
            return x -> {
                int c = left.value(x).compareTo(right.value(x));
                return switch (op) {
                    case "==" -> c == 0;
                    case "!=" -> c != 0;
                    case "<" -> c < 0;
                    case "<=" -> c <= 0;
                    case ">" -> c > 0;
                    default -> c >= 0;
                };
            };
        }

        /** As in ap_expr, a side that is not an integer makes the test false. */
        private static Test integerComparison(String op, Value left, Value right) {
            return x -> {
                Long a = integer(left.value(x));
                Long b = integer(right.value(x));
                if (a == null || b == null) {
                    return false;
                }
                int c = Long.compare(a, b);
                return switch (op) {
                    case "-eq" -> c == 0;
                    case "-ne" -> c != 0;
                    case "-lt" -> c < 0;
                    case "-le" -> c <= 0;
                    case "-gt" -> c > 0;
                    default -> c >= 0;
                };
            };
        }

        private static Long integer(String s) {
            try {
                return Long.parseLong(s.strip());
            } catch (NumberFormatException e) {
                return null;
            }
        }

        private List<Value> list() {
            expect("{");
            List<Value> items = new ArrayList<>();
            do {
                items.add(value());
            } while (take(","));
            expect("}");
            return items;
        }

        private Value value() {
            skipSpace();
            if (text.startsWith("%{", pos)) {
                int end = text.indexOf('}', pos);
                if (end < 0) {
                    throw error("unterminated variable '" + text.substring(pos) + "'");
                }
                String name = text.substring(pos + 2, end);
                if (!name.equals("REQUEST_STATUS")) {
                    throw error("%{" + name + "} is not available to a health check (expected: %{REQUEST_STATUS})");
                }
                pos = end + 1;
                return x -> Integer.toString(x.status());
            }
            if (peek('\'') || peek('"')) {
                String s = string();
                return x -> s;
            }
            int start = pos;
            while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_')) {
                pos++;
            }
            String word = text.substring(start, pos);
            if (word.isEmpty()) {
                throw error("expected a value (" + SUPPORTED + ")");
            }
            skipSpace();
            if (peek('(')) {
                if (!word.equals("hc")) {
                    pos = start;
                    throw error(word + "() is not available to a health check (expected: hc('body'))");
                }
                pos++;
                skipSpace();
                String argument = peek('\'') || peek('"') ? string() : "";
                expect(")");
                if (!argument.equals("body")) {
                    pos = start;
                    throw error(word + "('" + argument + "') is not available to a health check (expected: hc('body'))");
                }
                readsBody = true;
                return Response::body;
            }
            if (!word.chars().allMatch(Character::isDigit)) {
                pos = start;
                throw error("'" + word + "' is neither a number nor a quoted string (" + SUPPORTED + ")");
            }
            return x -> word;
        }

        private String string() {
            char quote = text.charAt(pos);
            StringBuilder s = new StringBuilder();
            int i = pos + 1;
            while (i < text.length() && text.charAt(i) != quote) {
                char c = text.charAt(i);
                if (c == '\\' && i + 1 < text.length()) {
                    c = text.charAt(++i);
                } else if (c == '%' && i + 1 < text.length() && text.charAt(i + 1) == '{') {
                    pos = i;
                    throw error("variables inside strings are not supported (expected: a literal string)");
                }
                s.append(c);
                i++;
            }
            if (i >= text.length()) {
                throw error("unterminated string");
            }
            pos = i + 1;
            return s.toString();
        }

        /** /regex/ or m#regex# (any delimiter after m), then an optional i. */
        private Pattern regex() {
            skipSpace();
            char delimiter;
            if (peek('/')) {
                delimiter = '/';
                pos++;
            } else if (peek('m') && pos + 1 < text.length() && !Character.isLetterOrDigit(text.charAt(pos + 1))
                    && !Character.isWhitespace(text.charAt(pos + 1))) {
                delimiter = text.charAt(pos + 1);
                pos += 2;
            } else {
                throw error("expected a regular expression such as /^[23]/");
            }
            int start = pos;
            StringBuilder re = new StringBuilder();
            while (pos < text.length() && text.charAt(pos) != delimiter) {
                if (text.charAt(pos) == '\\' && pos + 1 < text.length() && text.charAt(pos + 1) == delimiter) {
                    pos++;
                }
                re.append(text.charAt(pos++));
            }
            if (pos >= text.length()) {
                pos = start;
                throw error("unterminated regular expression");
            }
            pos++;
            int flags = 0;
            if (peek('i')) {
                flags = Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE;
                pos++;
            }
            try {
                return Pattern.compile(re.toString(), flags);
            } catch (PatternSyntaxException e) {
                pos = start;
                throw error("the regular expression does not compile: " + e.getDescription());
            }
        }

        private boolean take(String token) {
            skipSpace();
            if (text.startsWith(token, pos)) {
                pos += token.length();
                return true;
            }
            return false;
        }

        /** A word-like token ({@code in}, {@code -eq}, {@code true}) that must not run into more letters. */
        private boolean takeWord(String word) {
            skipSpace();
            int end = pos + word.length();
            if (text.startsWith(word, pos)
                    && (end == text.length() || !Character.isLetterOrDigit(text.charAt(end)))) {
                pos = end;
                return true;
            }
            return false;
        }

        private void expect(String token) {
            if (!take(token)) {
                throw error("expected '" + token + "'");
            }
        }

        private boolean peek(char c) {
            return pos < text.length() && text.charAt(pos) == c;
        }

        private void skipSpace() {
            while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
                pos++;
            }
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException("ProxyHCExpr '" + text + "': at column " + (pos + 1) + ": " + what);
        }
    }
}
