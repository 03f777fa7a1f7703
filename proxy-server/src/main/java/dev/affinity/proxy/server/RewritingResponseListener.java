package dev.affinity.proxy.server;

import dev.affinity.proxy.rewrite.ResponseRewriter;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.io.Content;

/**
 * Wraps Jetty's proxy response listener, which copies the backend's headers and streams its body
 * under demand, and applies {@link ResponseRules} to what it copied: the member's verdict when the
 * status arrives, the rewrites and hop-by-hop rules once the headers are in.
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
        ResponseRules.begin(exchange, serverToProxyResponse.getStatus());
        delegate.onBegin(serverToProxyResponse);
    }

    @Override
    public boolean onHeader(Response serverToProxyResponse, HttpField field) {
        return delegate.onHeader(serverToProxyResponse, field);
    }

    @Override
    public void onHeaders(Response serverToProxyResponse) {
        delegate.onHeaders(serverToProxyResponse);
        ResponseRules.apply(serverToProxyResponse.getHeaders(), proxyToClientResponse.getHeaders(), rewriter, exchange);
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
