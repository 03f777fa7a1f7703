package dev.affinity.proxy.rewrite;

import static java.util.Objects.requireNonNull;

import dev.affinity.proxy.config.SourceLocation;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code ProxyPass PATH URL} or {@code ProxyPassMatch REGEX URL} rule, or its {@code !} exclusion.
 *
 * <p>{@code ProxyPass /app balancer://c/x} maps {@code /app/y?q} to {@code balancer://c/x/y?q}: the path
 * must match whole segments (so {@code /app} does not match {@code /apple}) and runs of slashes match
 * any run of slashes, as httpd's alias_match reads it. {@code ProxyPassMatch ^/m/(.*)$ http://h:1/$1}
 * substitutes {@code $0}…{@code $9}; the query is appended unless the result already has one.
 *
 * @param regex    whether {@code pattern} is a ProxyPassMatch regular expression
 * @param pattern  the regular expression as written, or the path prefix in the one form request paths
 *                 are compared in ({@link RequestTarget#canonicalPath}: {@code /%7ejo} is {@code /~jo})
 * @param target   the URL it maps to; empty for {@code !}
 * @param where    where it was configured, for messages
 */
public record ProxyPass(boolean regex, String pattern, Optional<String> target, SourceLocation where) {

    public ProxyPass {
        requireNonNull(pattern, "pattern");
        requireNonNull(target, "target");
        requireNonNull(where, "where");
        if (!regex && !pattern.startsWith("/")) {
            throw new IllegalArgumentException("ProxyPass path '" + pattern + "' (expected: a path starting with /)");
        }
        if (regex) {
            compile(pattern);
        } else {
            pattern = RequestTarget.canonicalPath(pattern);
        }
    }

    /** What a rule says for a request. */
    public sealed interface Outcome permits Excluded, Mapped {
    }

    /** The request matched a {@code !} rule: it is not proxied. */
    public record Excluded(ProxyPass rule) implements Outcome {
    }

    /** The request maps to {@code url}, e.g. {@code balancer://mycluster/cart?x=1}. */
    public record Mapped(ProxyPass rule, String url) implements Outcome {
    }

    /**
     * Maps a request, or says nothing if the rule does not match.
     *
     * @param path  the request path in its one form ({@link RequestTarget#canonicalPath}), dot segments
     *              removed
     * @param query the raw query, or null for none
     */
    public Optional<Outcome> map(String path, String query, Pattern compiled) {
        String mapped;
        if (regex) {
            Matcher m = compiled.matcher(path);
            if (!m.find()) {
                return Optional.empty();
            }
            if (target.isEmpty()) {
                return Optional.of(new Excluded(this));
            }
            mapped = substitute(target.get(), m);
            if (query != null && mapped.indexOf('?') < 0) {
                mapped = mapped + "?" + query;
            }
        } else {
            int matched = prefixLength(path, pattern);
            if (matched < 0) {
                return Optional.empty();
            }
            if (target.isEmpty()) {
                return Optional.of(new Excluded(this));
            }
            mapped = target.get() + path.substring(matched) + (query == null ? "" : "?" + query);
        }
        return Optional.of(new Mapped(this, mapped));
    }

    /** The compiled form of a ProxyPassMatch pattern; callers keep it next to the rule. */
    public Pattern compiled() {
        return regex ? compile(pattern) : null;
    }

    private static Pattern compile(String pattern) {
        try {
            return Pattern.compile(pattern);
        } catch (java.util.regex.PatternSyntaxException e) {
            throw new IllegalArgumentException("ProxyPassMatch regex '" + pattern + "' does not compile: "
                    + e.getDescription() + " (expected: a Java/PCRE regular expression)");
        }
    }

    /** httpd's ap_pregsub: {@code $0}-{@code $9} are groups, {@code \$} a literal dollar. */
    static String substitute(String template, Matcher m) {
        StringBuilder out = new StringBuilder(template.length() + 32);
        for (int i = 0; i < template.length(); i++) {
            char c = template.charAt(i);
            if (c == '\\' && i + 1 < template.length() && (template.charAt(i + 1) == '$'
                    || template.charAt(i + 1) == '&')) {
                out.append(template.charAt(++i));
            } else if (c == '$' && i + 1 < template.length() && Character.isDigit(template.charAt(i + 1))) {
                int group = template.charAt(++i) - '0';
                if (group <= m.groupCount() && m.group(group) != null) {
                    out.append(m.group(group));
                }
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /**
     * httpd's alias_match: how many characters of {@code uri} the prefix {@code alias} matches, or -1.
     * A slash in the alias matches one or more slashes in the URI, and the match must end on a
     * segment boundary: {@code /app} matches {@code /app}, {@code /app/x}, {@code /app;p} is not a
     * boundary, and {@code /apple} does not match.
     */
    static int prefixLength(String uri, String alias) {
        int a = 0;
        int u = 0;
        while (a < alias.length() && u < uri.length()) {
            if (alias.charAt(a) == '/') {
                if (uri.charAt(u) != '/') {
                    return -1;
                }
                while (a < alias.length() && alias.charAt(a) == '/') {
                    a++;
                }
                while (u < uri.length() && uri.charAt(u) == '/') {
                    u++;
                }
            } else if (uri.charAt(u++) != alias.charAt(a++)) {
                return -1;
            }
        }
        if (u == uri.length() && a != alias.length()) {
            return -1;
        }
        if (alias.charAt(a - 1) != '/' && u < uri.length() && uri.charAt(u) != '/') {
            return -1;
        }
        return u;
    }
}
