package dev.affinity.proxy.server;

import dev.affinity.proxy.rewrite.ResponseRewriter;
import java.util.ListIterator;
import java.util.Set;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

/**
 * What happens to a member's response on its way to the client, for both backend legs (Jetty's
 * HttpClient through {@link RewritingResponseListener}, and {@link BackendConnection}): the member's
 * health bookkeeping when the status arrives, and the header rules once the headers are copied.
 */
final class ResponseRules {

    private ResponseRules() {
    }

    /** The status line arrived: the attempt can no longer be replayed, and the member gets its verdict. */
    static void begin(Exchange exchange, int status) {
        exchange.responseBegun = true;
        Set<Integer> failOnStatus = exchange.balancer.config().failOnStatus();
        // Looked up only where the set has statuses: the lookup boxes the status, a garbage object per response.
        if (!failOnStatus.isEmpty() && failOnStatus.contains(status)) {
            // httpd's failonstatus: this response still goes to the client; later ones avoid the member.
            exchange.member.markInError("answered " + status + ", which failonstatus lists");
        } else {
            exchange.member.answered();
        }
    }

    /** Copies the member's end-to-end headers to the client's response. */
    static void copy(HttpFields from, HttpFields.Mutable to) {
        for (HttpField field : from) {
            if (!HopByHop.HEADERS.contains(field.getHeader())) {
                to.add(field);
            }
        }
    }

    /**
     * After the copy: drops the headers the member's Connection header names, which are hop-by-hop
     * (RFC 9110 7.6.1); passes Location, Content-Location and URI through ProxyPassReverse and
     * Set-Cookie through the cookie rules; adds Via per ProxyVia.
     */
    static void apply(HttpFields fromMember, HttpFields.Mutable headers, ResponseRewriter rewriter, Exchange exchange) {
        Set<String> named = HopByHop.named(fromMember);
        if (named != null) {
            for (String name : named) {
                headers.remove(name);
            }
        }
        if (rewriter.rewritesUrls() || rewriter.rewritesCookies()) {
            rewrite(headers, rewriter, exchange);
        }
        if (exchange.via != null) {
            headers.add(HttpHeader.VIA, exchange.via);
        }
    }

    private static void rewrite(HttpFields.Mutable headers, ResponseRewriter rewriter, Exchange exchange) {
        ListIterator<HttpField> fields = headers.listIterator();
        while (fields.hasNext()) {
            HttpField field = fields.next();
            String value = field.getValue();
            if (value == null) {
                continue;
            }
            String rewritten = value;
            HttpHeader header = field.getHeader();
            if (header == HttpHeader.LOCATION || header == HttpHeader.CONTENT_LOCATION || field.is("URI")) {
                rewritten = rewriter.url(value, exchange.origin());
            } else if (header == HttpHeader.SET_COOKIE) {
                rewritten = rewriter.setCookie(value);
            }
            if (!rewritten.equals(value)) {
                fields.set(new HttpField(field.getHeader(), field.getName(), rewritten));
            }
        }
    }
}
