package dev.affinity.proxy.rewrite;

import static java.util.Objects.requireNonNull;

/**
 * One {@code ProxyPassReverse PATH URL}: a backend URL prefix and the client path it stands for.
 * A {@code balancer://NAME/…} URL is expanded into one rule per member before it gets here.
 *
 * @param path the path the client sees, e.g. {@code /}
 * @param url  the backend URL prefix, e.g. {@code http://127.0.0.1:9001/}, or a path starting with {@code /}
 */
public record ReverseRule(String path, String url) {

    public ReverseRule {
        requireNonNull(path, "path");
        requireNonNull(url, "url");
        if (url.isEmpty()) {
            throw new IllegalArgumentException("ProxyPassReverse URL is empty (expected: http://host:port/path)");
        }
    }
}
