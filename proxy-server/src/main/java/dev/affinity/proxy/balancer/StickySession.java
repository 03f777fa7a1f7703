package dev.affinity.proxy.balancer;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Optional;

/**
 * Where a request names its route, as httpd's {@code stickysession} says: {@code BALANCEID} looks
 * for that name in the URL and in the cookies, {@code JSESSIONID|jsessionid} looks for the cookie
 * {@code JSESSIONID} and the URL parameter {@code jsessionid}.
 *
 * <p>As in mod_proxy_balancer's find_session_route, the URL is looked at first ({@code ;name=} path
 * parameter or {@code ?name=} / {@code &name=} query parameter), then the Cookie header. The route is
 * the text after the first separator: {@code balancer.node1} and {@code abc.node1.x} give {@code node1}
 * and {@code node1.x}; a value with no separator names no route.
 *
 * @param cookieName   the cookie that carries the session
 * @param urlName      the URL parameter that carries it
 * @param separator    what the route follows ({@code stickysessionsep}, default {@code .})
 * @param semicolonEnds whether {@code ;} also ends a URL value ({@code scolonpathdelim})
 */
public record StickySession(String cookieName, String urlName, char separator, boolean semicolonEnds) {

    /** {@code stickysessionsep=Off}: the whole value is the route. */
    public static final char NO_SEPARATOR = '\0';

    public StickySession {
        requireNonNull(cookieName, "cookieName");
        requireNonNull(urlName, "urlName");
        if (cookieName.isEmpty() || urlName.isEmpty()) {
            throw new IllegalArgumentException("stickysession name is empty (expected: NAME or COOKIE|urlparam)");
        }
        for (String name : List.of(cookieName, urlName)) {
            if (!name.chars().allMatch(c -> c > 0x20 && c < 0x7f && "=;,?&|\"".indexOf(c) < 0)) {
                throw new IllegalArgumentException("stickysession name '" + name
                        + "' (expected: a cookie name without spaces or = ; , ? & | \")");
            }
        }
    }

    /** Reads httpd's {@code stickysession=NAME} or {@code stickysession=COOKIE|urlparam}. */
    public static StickySession parse(String value) {
        int bar = value.indexOf('|');
        if (bar < 0) {
            return new StickySession(value, value, '.', false);
        }
        return new StickySession(value.substring(0, bar), value.substring(bar + 1), '.', false);
    }

    public StickySession withSeparator(char newSeparator) {
        return new StickySession(cookieName, urlName, newSeparator, semicolonEnds);
    }

    public StickySession withSemicolonEnds(boolean newSemicolonEnds) {
        return new StickySession(cookieName, urlName, separator, newSemicolonEnds);
    }

    /** The httpd spelling of the names. */
    public String names() {
        return cookieName.equals(urlName) ? cookieName : cookieName + "|" + urlName;
    }

    /**
     * The route a request asks for.
     *
     * @param rawPathAndQuery the request target as sent, e.g. {@code /cart;BALANCEID=b.node1?x=1}
     * @param cookieHeaders   the values of its Cookie headers
     */
    public Optional<String> route(String rawPathAndQuery, List<String> cookieHeaders) {
        Optional<String> value = urlValue(rawPathAndQuery);
        if (value.isEmpty()) {
            value = cookieValue(cookieHeaders);
        }
        return value.flatMap(this::routeOf);
    }

    /** The text after the first separator, if any is there and it is not empty. */
    public Optional<String> routeOf(String sessionValue) {
        if (separator == NO_SEPARATOR) {
            return sessionValue.isEmpty() ? Optional.empty() : Optional.of(sessionValue);
        }
        int sep = sessionValue.indexOf(separator);
        if (sep < 0 || sep == sessionValue.length() - 1) {
            return Optional.empty();
        }
        return Optional.of(sessionValue.substring(sep + 1));
    }

    /**
     * The value of {@code name=} in the URL, where the name starts a path parameter or a query
     * parameter. httpd ends the value at {@code ?} or {@code &} (and {@code ;} with scolonpathdelim).
     */
    Optional<String> urlValue(String target) {
        // The name, then '=': looked for without building "name=" for each request.
        for (int at = target.indexOf(urlName); at >= 0; at = target.indexOf(urlName, at + 1)) {
            int equals = at + urlName.length();
            if (at == 0 || ";?&".indexOf(target.charAt(at - 1)) < 0
                    || equals == target.length() || target.charAt(equals) != '=') {
                continue;
            }
            int start = equals + 1;
            int end = start;
            while (end < target.length() && !endsUrlValue(target.charAt(end))) {
                end++;
            }
            if (end > start) {
                return Optional.of(target.substring(start, end));
            }
        }
        return Optional.empty();
    }

    private boolean endsUrlValue(char c) {
        return c == '?' || c == '&' || (semicolonEnds && c == ';') || c == '#';
    }

    /**
     * The first cookie of that name among {@code a=1; b=2} pairs; as in httpd, a comma also separates
     * pairs (RFC 6265 cookie values never contain one). Quotes around a value are dropped.
     */
    Optional<String> cookieValue(List<String> cookieHeaders) {
        for (String header : cookieHeaders) {
            int start = 0;
            while (start < header.length()) {
                int end = start;
                while (end < header.length() && header.charAt(end) != ';' && header.charAt(end) != ',') {
                    end++;
                }
                Optional<String> value = valueIfNamed(header, start, end);
                if (value.isPresent()) {
                    return value;
                }
                start = end + 1;
            }
        }
        return Optional.empty();
    }

    /**
     * Whether {@code header[start, end)}, without the white space around it ({@link String#strip}'s), is
     * the cookie's name: compared where it is, as every pair of every request's cookies is.
     */
    private boolean isName(String header, int start, int end) {
        while (start < end && Character.isWhitespace(header.charAt(start))) {
            start++;
        }
        while (end > start && Character.isWhitespace(header.charAt(end - 1))) {
            end--;
        }
        return end - start == cookieName.length() && header.startsWith(cookieName, start);
    }

    /** The value of the pair {@code header[start, end)} if it is our cookie and not empty. */
    private Optional<String> valueIfNamed(String header, int start, int end) {
        int eq = header.indexOf('=', start);
        if (eq < 0 || eq >= end || !isName(header, start, eq)) {
            return Optional.empty();
        }
        String value = header.substring(eq + 1, end).strip();
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
            value = value.substring(1, value.length() - 1);
        }
        return value.isEmpty() ? Optional.empty() : Optional.of(value);
    }
}
