/*
 * Hosts librdkafka's in-memory mock cluster as a process, so benchmarks can put a Kafka client in front of a
 * reference broker that does no I/O: whatever a broker spends beyond it is its own cost.
 *
 *   rdkafka-mock-cluster [BROKERS] [TOPIC:PARTITIONS ...]
 *
 * Prints the bootstrap address on one line of stdout, then serves until stdin closes, SIGTERM or SIGINT.
 * Topics are created up front because the mock does not create them for every client and API version.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

/* ListOffsets, whose v4+ responses librdkafka before 2.1.0 writes with an 8-byte LeaderEpoch where the protocol
 * has 4 bytes, so every partition after the first is misread by a conforming client. */
#define API_KEY_LIST_OFFSETS 2
#define LIST_OFFSETS_LAST_SOUND_VERSION 3
#define LIBRDKAFKA_2_1_0 0x020100ff

static volatile sig_atomic_t stop_requested = 0;

static void on_signal(int sig) {
        (void)sig;
        stop_requested = 1;
}

int main(int argc, char **argv) {
        int brokers = 1;
        int first_topic = 1;
        char errstr[512];

        if (argc > 1 && strchr(argv[1], ':') == NULL) {
                brokers = atoi(argv[1]);
                first_topic = 2;
                if (brokers < 1) {
                        fprintf(stderr, "rdkafka-mock-cluster: BROKERS must be at least 1\n");
                        return 2;
                }
        }

        /* The mock cluster lives inside a client handle; this one is never used to produce. */
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr));
        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (rk == NULL) {
                fprintf(stderr, "rdkafka-mock-cluster: %s\n", errstr);
                return 1;
        }

        rd_kafka_mock_cluster_t *cluster = rd_kafka_mock_cluster_new(rk, brokers);
        if (cluster == NULL) {
                fprintf(stderr, "rdkafka-mock-cluster: could not create the mock cluster\n");
                rd_kafka_destroy(rk);
                return 1;
        }

        if (rd_kafka_version() < LIBRDKAFKA_2_1_0)
                rd_kafka_mock_set_apiversion(cluster, API_KEY_LIST_OFFSETS, 0, LIST_OFFSETS_LAST_SOUND_VERSION);

        for (int i = first_topic; i < argc; i++) {
                char *colon = strrchr(argv[i], ':');
                if (colon == NULL || colon == argv[i]) {
                        fprintf(stderr, "rdkafka-mock-cluster: expected TOPIC:PARTITIONS, got %s\n", argv[i]);
                        return 2;
                }
                *colon = '\0';
                int partitions = atoi(colon + 1);
                rd_kafka_resp_err_t err =
                    rd_kafka_mock_topic_create(cluster, argv[i], partitions, brokers < 3 ? brokers : 3);
                if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                        fprintf(stderr, "rdkafka-mock-cluster: topic %s: %s\n", argv[i], rd_kafka_err2str(err));
                        return 1;
                }
        }

        printf("%s\n", rd_kafka_mock_cluster_bootstraps(cluster));
        fflush(stdout);

        struct sigaction action;
        memset(&action, 0, sizeof(action));
        action.sa_handler = on_signal;
        sigaction(SIGTERM, &action, NULL);
        sigaction(SIGINT, &action, NULL);

        /* read() returns 0 when the parent closes stdin (or dies), and -1/EINTR when a signal arrives. */
        char buffer[256];
        while (!stop_requested) {
                ssize_t n = read(STDIN_FILENO, buffer, sizeof(buffer));
                if (n == 0)
                        break;
                if (n < 0 && errno != EINTR)
                        break;
        }

        rd_kafka_mock_cluster_destroy(cluster);
        rd_kafka_destroy(rk);
        return 0;
}
