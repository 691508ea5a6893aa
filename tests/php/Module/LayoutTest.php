<?php

declare(strict_types=1);

namespace PuqDns\Tests\Module;

use PHPUnit\Framework\TestCase;

/**
 * The layout of php/src cannot drift: every file declares the namespace its
 * folder implies (php/src/Store/ZoneStore.php is PuqDns\Module\Store) and
 * exactly one class, interface, trait or enum named as the file, which
 * php/autoload.php then finds. And every PuqDns\Module\… name written in the
 * code, the tests and the docs names a class or a namespace that exists, so
 * a moved class leaves no stale name behind (a `use` line, a string, a
 * docblock, a README table).
 */
final class LayoutTest extends TestCase
{
    private const PREFIX = 'PuqDns\\Module';

    private static function root(): string
    {
        return dirname(__DIR__, 3);
    }

    /** @return array<string, array{string}> every PHP file under php/src, by its path there */
    public static function sourceFiles(): array
    {
        $src = self::root() . '/php/src';
        $files = [];
        $it = new \RecursiveIteratorIterator(new \RecursiveDirectoryIterator($src, \FilesystemIterator::SKIP_DOTS));
        foreach ($it as $file) {
            if ($file->isFile() && $file->getExtension() === 'php') {
                $files[substr($file->getPathname(), strlen($src) + 1)] = [$file->getPathname()];
            }
        }
        ksort($files);
        return $files;
    }

    /** The class the path implies: php/src/Store/ZoneStore.php is PuqDns\Module\Store\ZoneStore. */
    private static function impliedClass(string $path): string
    {
        $relative = substr($path, strlen(self::root() . '/php/src/'), -strlen('.php'));
        return self::PREFIX . '\\' . str_replace('/', '\\', $relative);
    }

    /**
     * The namespaces and the named class-likes a file declares.
     *
     * @return array{namespaces: list<string>, classes: list<string>}
     */
    private static function declarations(string $code): array
    {
        $tokens = array_values(array_filter(
            token_get_all($code),
            static fn ($t): bool => !is_array($t) || !in_array($t[0], [T_WHITESPACE, T_COMMENT, T_DOC_COMMENT], true),
        ));
        $namespaces = [];
        $classes = [];
        foreach ($tokens as $i => $token) {
            if (!is_array($token)) {
                continue;
            }
            $next = $tokens[$i + 1] ?? null;
            $previous = $tokens[$i - 1] ?? null;
            if ($token[0] === T_NAMESPACE && is_array($next) && in_array($next[0], [T_STRING, T_NAME_QUALIFIED], true)) {
                $namespaces[] = $next[1];
            }
            $isDeclaration = in_array($token[0], [T_CLASS, T_INTERFACE, T_TRAIT, T_ENUM], true)
                && !(is_array($previous) && in_array($previous[0], [T_NEW, T_DOUBLE_COLON], true))
                && is_array($next) && $next[0] === T_STRING;
            if ($isDeclaration) {
                $classes[] = $next[1];
            }
        }
        return ['namespaces' => $namespaces, 'classes' => $classes];
    }

    public function testPhpSrcHoldsClassFiles(): void
    {
        $this->assertGreaterThan(30, count(self::sourceFiles()));
    }

    /** @dataProvider sourceFiles */
    public function testTheFileDeclaresTheNamespaceAndTheClassItsPathImplies(string $path): void
    {
        $implied = self::impliedClass($path);
        $namespace = substr($implied, 0, strrpos($implied, '\\'));
        $class = substr($implied, strrpos($implied, '\\') + 1);
        $declared = self::declarations((string) file_get_contents($path));

        $this->assertSame([$namespace], $declared['namespaces'], "$path must declare namespace $namespace, and only it");
        $this->assertSame([$class], $declared['classes'], "$path must declare exactly one class-like, named $class");
        $this->assertTrue(
            class_exists($implied) || interface_exists($implied) || trait_exists($implied) || enum_exists($implied),
            "php/autoload.php does not find $implied",
        );
    }

    /** @return list<string> the files that may name module classes: code, tests, docs */
    private static function referringFiles(): array
    {
        $root = self::root();
        $files = [$root . '/README.md', $root . '/php/bin/puq-dns', $root . '/build/addon.sh'];
        foreach (['php', 'whmcs', 'tests/php', 'tests/whmcs', 'tests/browser'] as $dir) {
            $it = new \RecursiveIteratorIterator(new \RecursiveCallbackFilterIterator(
                new \RecursiveDirectoryIterator("$root/$dir", \FilesystemIterator::SKIP_DOTS),
                static fn (\SplFileInfo $file): bool => $file->getFilename() !== 'node_modules',
            ));
            foreach ($it as $file) {
                if ($file->isFile() && in_array($file->getExtension(), ['php', 'md', 'mjs', 'js', 'sh'], true)) {
                    $files[] = $file->getPathname();
                }
            }
        }
        sort($files);
        return $files;
    }

    public function testEveryModuleNameInCodeTestsAndDocsExists(): void
    {
        $namespaces = [self::PREFIX => true];
        foreach (self::sourceFiles() as [$path]) {
            $class = self::impliedClass($path);
            for ($ns = substr($class, 0, strrpos($class, '\\')); $ns !== self::PREFIX; $ns = substr($ns, 0, strrpos($ns, '\\'))) {
                $namespaces[$ns] = true;
            }
        }
        $stale = [];
        foreach (self::referringFiles() as $file) {
            $text = (string) file_get_contents($file);
            // PuqDns\Module\Web\AdminApi as written in code and docs, or doubled inside a PHP or JS string.
            preg_match_all('/PuqDns(?:\\\\{1,2}\w+)*/', $text, $names, PREG_OFFSET_CAPTURE);
            foreach ($names[0] as [$name, $offset]) {
                $name = str_replace('\\\\', '\\', $name);
                if (!str_starts_with($name . '\\', self::PREFIX . '\\')) {
                    continue;
                }
                // A grouped import, PuqDns\Module\Store\{ZoneStore, …}, is matched up to its namespace.
                if (isset($namespaces[$name]) || class_exists($name) || interface_exists($name)) {
                    continue;
                }
                $line = substr_count($text, "\n", 0, $offset) + 1;
                $stale[] = substr($file, strlen(self::root()) + 1) . ":$line: $name";
            }
        }
        $this->assertSame([], $stale, 'names of module classes that do not exist (moved or renamed?)');
    }
}
