package dev.affinity.proxy.server;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;

/**
 * The client's body as the backend request reads it, counting what was handed on, so a failed
 * attempt knows whether it can go to another member with the body intact.
 *
 * <p>A failure of the backend request is not passed back to the client's body while nothing was
 * read: the body stays whole for the next attempt.
 */
final class CountingRequestContent implements org.eclipse.jetty.client.Request.Content {

    private final Request clientToProxyRequest;
    private final Exchange exchange;

    CountingRequestContent(Request clientToProxyRequest, Exchange exchange) {
        this.clientToProxyRequest = clientToProxyRequest;
        this.exchange = exchange;
    }

    @Override
    public long getLength() {
        return clientToProxyRequest.getLength();
    }

    @Override
    public Content.Chunk read() {
        Content.Chunk chunk = clientToProxyRequest.read();
        if (chunk != null) {
            if (Content.Chunk.isFailure(chunk)) {
                exchange.clientBodyFailure = chunk.getFailure();
            } else if (chunk.hasRemaining()) {
                exchange.bodyBytes += chunk.remaining();
            }
        }
        return chunk;
    }

    @Override
    public void demand(Runnable demandCallback) {
        clientToProxyRequest.demand(demandCallback);
    }

    @Override
    public void fail(Throwable failure) {
        if (exchange.bodyBytes > 0) {
            clientToProxyRequest.fail(failure);
        }
    }

    @Override
    public String getContentType() {
        return clientToProxyRequest.getHeaders().get(HttpHeader.CONTENT_TYPE);
    }

    @Override
    public boolean rewind() {
        return false;
    }
}
