
namespace PuqDns {
    /**
     * Base class of every exception puq_dns throws.
     */
    class DnsException extends \Exception {}

    /**
     * A zone row, VM array, option or argument that cannot be used; the
     * message names the zone or VM, every bad field and why.
     */
    class ConfigException extends DnsException {}
}
