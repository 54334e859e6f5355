dropped = 0
STDIN.each_line do |line|
  a, b = line.chomp("\n").split("\t", 2)
  unless Gem::Version.correct?(a) && Gem::Version.correct?(b)
    dropped += 1
    next
  end
  c = Gem::Version.new(a) <=> Gem::Version.new(b)
  puts "#{a}\t#{b}\t#{c < 0 ? '<' : c > 0 ? '>' : '='}"
end
STDERR.puts "dropped (not Gem::Version.correct?): #{dropped}"
