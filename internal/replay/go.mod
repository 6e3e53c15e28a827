// A module of its own, with no requirements, so that test programs (each a
// module of its own) can require it without their dependency graph
// changing; its path is outside github.com/llminstr/llminstr so that the
// go command's internal-package rule does not apply.
module llminstr.test/replay

go 1.24
