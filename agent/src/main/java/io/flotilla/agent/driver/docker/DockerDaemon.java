package io.flotilla.agent.driver.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Docker daemon this node reaches: {@code DOCKER_HOST}, else the default socket
 * ({@code unix:///var/run/docker.sock}), spoken to at Engine API {@value #API_VERSION} (Docker
 * 20.10; newer daemons accept it too). Registry credentials come from {@code ~/.docker/config.json}
 * ({@code DOCKER_CONFIG}) through {@link #config()}.
 */
public final class DockerDaemon implements AutoCloseable {
    public static final String API_VERSION = "1.41";
    private static final Logger log = LoggerFactory.getLogger(DockerDaemon.class);
    private static final Duration PING_TIMEOUT = Duration.ofSeconds(2);

    private final DefaultDockerClientConfig config;
    private final DockerClient client;

    private DockerDaemon(DefaultDockerClientConfig config, DockerClient client) {
        this.config = config;
        this.client = client;
    }

    /** A client for the daemon if one answers a ping, else empty (the reason is logged at debug). */
    public static Optional<DockerDaemon> connect() {
        return connect(null);
    }

    /** The same for the daemon at {@code dockerHost} ({@code unix:///…}); null: {@code DOCKER_HOST} or the default. */
    public static Optional<DockerDaemon> connect(String dockerHost) {
        DefaultDockerClientConfig config;
        try {
            var builder = DefaultDockerClientConfig.createDefaultConfigBuilder().withApiVersion(API_VERSION);
            config = (dockerHost == null ? builder : builder.withDockerHost(dockerHost)).build();
        } catch (RuntimeException e) {
            log.debug("no Docker configuration: {}", e.toString());
            return Optional.empty();
        }
        if (!ping(config)) {
            return Optional.empty();
        }
        ApacheDockerHttpClient http = new ApacheDockerHttpClient.Builder().dockerHost(config.getDockerHost())
                .sslConfig(config.getSSLConfig()).maxConnections(200).connectionTimeout(Duration.ofSeconds(5))
                .build();
        return Optional.of(new DockerDaemon(config, DockerClientImpl.getInstance(config, http)));
    }

    /** True when a Docker daemon answers at {@code DOCKER_HOST} or the default socket. */
    public static boolean reachable() {
        try {
            return ping(DefaultDockerClientConfig.createDefaultConfigBuilder().withApiVersion(API_VERSION).build());
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static boolean ping(DefaultDockerClientConfig config) {
        ApacheDockerHttpClient http = new ApacheDockerHttpClient.Builder().dockerHost(config.getDockerHost())
                .sslConfig(config.getSSLConfig()).connectionTimeout(PING_TIMEOUT).responseTimeout(PING_TIMEOUT)
                .build();
        try (DockerClient probe = DockerClientImpl.getInstance(config, http)) {
            probe.pingCmd().exec();
            return true;
        } catch (IOException | RuntimeException e) {
            log.debug("no Docker daemon at {}: {}", config.getDockerHost(), e.toString());
            return false;
        }
    }

    public DockerClient client() {
        return client;
    }

    public DefaultDockerClientConfig config() {
        return config;
    }

    public String host() {
        return config.getDockerHost().toString();
    }

    @Override
    public void close() {
        try {
            client.close();
        } catch (IOException e) {
            log.debug("closing the Docker client: {}", e.toString());
        }
    }
}
