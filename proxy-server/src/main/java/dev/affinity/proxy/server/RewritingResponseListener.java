package dev.affinity.proxy.server;

import dev.affinity.proxy.rewrite.ResponseRewriter;
import java.util.ListIterator;
import java.util.Locale;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;

/**
 * Wraps Jetty's proxy response listener, which copies the backend's headers and streams its body
 * under demand, and passes each copied header once through the {@link ResponseRewriter}: Location,
 * Content-Location and URI through ProxyPassReverse, Set-Cookie through the cookie rules. It also
 * drops the headers the backend's Connection header names, which are hop-by-hop (RFC 9110 7.6.1).
 */
final class RewritingResponseListener implements Response.Listener {

    private final Response.Listener delegate;
    private final org.eclipse.jetty.server.Response proxyToClientResponse;
    private final ResponseRewriter rewriter;
    private final Exchange exchange;

    RewritingResponseListener(Response.Listener delegate, org.eclipse.jetty.server.Response proxyToClientResponse,
                              ResponseRewriter rewriter, Exchange exchange) {
        this.delegate = delegate;
        this.proxyToClientResponse = proxyToClientResponse;
        this.rewriter = rewriter;
        this.exchange = exchange;
    }

    @Override
    public void onBegin(Response serverToProxyResponse) {
        exchange.responseBegun = true;
        int status = serverToProxyResponse.getStatus();
        if (exchange.balancer.config().failOnStatus().contains(status)) {
            // httpd's failonstatus: this response still goes to the client; later ones avoid the member.
            exchange.member.markInError("answered " + status + ", which failonstatus lists");
        } else {
            exchange.member.answered();
        }
        delegate.onBegin(serverToProxyResponse);
    }

    @Override
    public boolean onHeader(Response serverToProxyResponse, HttpField field) {
        return delegate.onHeader(serverToProxyResponse, field);
    }

    @Override
    public void onHeaders(Response serverToProxyResponse) {
        delegate.onHeaders(serverToProxyResponse);
        HttpFields.Mutable headers = proxyToClientResponse.getHeaders();
        for (String value : serverToProxyResponse.getHeaders().getValuesList(HttpHeader.CONNECTION)) {
            for (String name : value.split(",")) {
                String token = name.strip().toLowerCase(Locale.ROOT);
                if (!token.isEmpty() && !token.equals("close") && !token.equals("keep-alive")) {
                    headers.remove(token);
                }
            }
        }
        if (rewriter.rewritesUrls() || rewriter.rewritesCookies()) {
            rewrite(headers);
        }
        if (exchange.via != null) {
            headers.add(HttpHeader.VIA, exchange.via);
        }
    }

    private void rewrite(HttpFields.Mutable headers) {
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
                rewritten = rewriter.url(value, exchange.origin);
            } else if (header == HttpHeader.SET_COOKIE) {
                rewritten = rewriter.setCookie(value);
            }
            if (!rewritten.equals(value)) {
                fields.set(new HttpField(field.getHeader(), field.getName(), rewritten));
            }
        }
    }

    @Override
    public void onContentSource(Response serverToProxyResponse, Content.Source contentSource) {
        delegate.onContentSource(serverToProxyResponse, contentSource);
    }

    @Override
    public void onSuccess(Response serverToProxyResponse) {
        delegate.onSuccess(serverToProxyResponse);
    }

    @Override
    public void onFailure(Response serverToProxyResponse, Throwable failure) {
        delegate.onFailure(serverToProxyResponse, failure);
    }

    @Override
    public void onComplete(Result result) {
        delegate.onComplete(result);
    }
}
