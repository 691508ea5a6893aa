<?php

declare(strict_types=1);

namespace PuqDns\Module\Whmcs;

/** A WHMCS service whose data makes no valid VM; the message names the service and the field. */
final class ServiceVmException extends \RuntimeException
{
}
