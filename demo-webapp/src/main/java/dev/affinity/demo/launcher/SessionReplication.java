package dev.affinity.demo.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.apache.catalina.Engine;
import org.apache.catalina.ha.session.ClusterSessionListener;
import org.apache.catalina.ha.session.DeltaManager;
import org.apache.catalina.ha.tcp.ReplicationValve;
import org.apache.catalina.ha.tcp.SimpleTcpCluster;
import org.apache.catalina.tribes.Channel;
import org.apache.catalina.tribes.group.GroupChannel;
import org.apache.catalina.tribes.group.interceptors.TcpFailureDetector;
import org.apache.catalina.tribes.membership.StaticMember;
import org.apache.catalina.tribes.membership.StaticMembershipService;
import org.apache.catalina.tribes.transport.ReplicationTransmitter;
import org.apache.catalina.tribes.transport.nio.NioReceiver;
import org.apache.catalina.tribes.transport.nio.PooledParallelSender;

/**
 * Tomcat's own HttpSession replication between the demo nodes, as a server.xml {@code <Cluster>}
 * would set it up: a SimpleTcpCluster whose DeltaManager copies every session change to the other
 * nodes, over Tribes with static membership on loopback (no multicast). With it, a node that dies
 * takes no session with it: the next node the proxy picks has the same session and counter.
 *
 * <p>Replication is synchronous and acknowledged: a request's session change has reached every
 * live peer before its response leaves the node. So a node killed at any moment never loses a
 * change a client has already seen.
 *
 * @param self  the address this node's replication receiver listens on
 * @param peers the other nodes' receivers
 */
public record SessionReplication(InetSocketAddress self, List<InetSocketAddress> peers) {

    private static final String CLUSTER_NAME = "affinity-demo";
    /** How often each node pings its peers. */
    private static final long PING_INTERVAL_MILLIS = 1_000;
    /** How long a peer may be silent before Tribes drops it from the membership. */
    private static final long MEMBER_EXPIRATION_MILLIS = 3_000;
    /** How long a starting node waits for a peer's copy of all sessions. */
    private static final int STATE_TRANSFER_SECONDS = 30;

    public SessionReplication {
        peers = List.copyOf(peers);
        if (peers.contains(self)) {
            throw new IllegalArgumentException("a node's own replication address " + self + " is not one of its peers");
        }
    }

    /** A port nothing listens on now: Tribes' static membership needs every port before any node starts. */
    public static int freePort(String host) {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getByName(host))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on " + host, e);
        }
    }

    /** Installs the cluster on the engine; its distributable contexts then get a DeltaManager. */
    void install(Engine engine) {
        SimpleTcpCluster cluster = new SimpleTcpCluster();
        // Nodes talk only to a cluster of their own name; by default it would be the engine's, which differs per node.
        cluster.setClusterName(CLUSTER_NAME);
        cluster.setChannelSendOptions(Channel.SEND_OPTIONS_SYNCHRONIZED_ACK | Channel.SEND_OPTIONS_USE_ACK);

        DeltaManager manager = new DeltaManager();
        // A node that stops must not take the sessions down with it on the others.
        manager.setExpireSessionsOnShutdown(false);
        manager.setNotifyListenersOnReplication(true);
        manager.setStateTransferTimeout(STATE_TRANSFER_SECONDS);
        cluster.setManagerTemplate(manager);

        GroupChannel channel = new GroupChannel();
        // No MBeans: Tribes names them after the cluster, which all nodes share, so two nodes in one JVM
        // (the demo's default) register the same names. Whenever one of them stops, the other's stop
        // then logs a warning with a stack trace for each name already removed: after a failed start,
        // five of them right above the one line that says why the demo could not start.
        channel.setJmxEnabled(false);
        NioReceiver receiver = new NioReceiver();
        receiver.setAddress(self.getHostString());
        receiver.setPort(self.getPort());
        receiver.setAutoBind(0); // the peers were told this port; another would be invisible to them
        channel.setChannelReceiver(receiver);
        ReplicationTransmitter sender = new ReplicationTransmitter();
        sender.setTransport(new PooledParallelSender());
        channel.setChannelSender(sender);

        StaticMembershipService membership = new StaticMembershipService();
        membership.setExpirationTime(MEMBER_EXPIRATION_MILLIS);
        // A ping thread of its own, rather than the channel's 5 s heartbeat, so that peers come and go within seconds.
        membership.setUseThread(true);
        membership.setPingInterval(PING_INTERVAL_MILLIS);
        membership.setLocalMember(member(self));
        peers.forEach(peer -> membership.addStaticMember(member(peer)));
        channel.setMembershipService(membership);
        // Checks a silent member over TCP before dropping it, and notices a crashed one sooner.
        channel.addInterceptor(new TcpFailureDetector());

        cluster.setChannel(channel);
        cluster.addValve(new ReplicationValve());
        cluster.addClusterListener(new ClusterSessionListener());
        engine.setCluster(cluster);
    }

    /**
     * A static member. Tribes tells members apart by host, port and unique id, and every node must
     * compute the same id for a given receiver: so the id is derived from its address.
     */
    private static StaticMember member(InetSocketAddress address) {
        try {
            StaticMember member = new StaticMember(address.getHostString(), address.getPort(), 0);
            UUID id = UUID.nameUUIDFromBytes((address.getHostString() + ":" + address.getPort()).getBytes(StandardCharsets.UTF_8));
            member.setUniqueId(toBytes(id));
            return member;
        } catch (IOException e) {
            throw new UncheckedIOException("bad replication address " + address, e);
        }
    }

    private static byte[] toBytes(UUID id) {
        return java.nio.ByteBuffer.allocate(16).putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits()).array();
    }
}
