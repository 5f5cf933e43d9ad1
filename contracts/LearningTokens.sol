// SPDX-License-Identifier: Apache-2.0
// Cairn's test contract for Hyperledger Learning Tokens: the ABI surface that
// Cairn reads from the Learning Tokens contract (hyperledger-labs/learning-tokens,
// src/learning-token/contracts/LearningToken.sol), written from scratch without
// OpenZeppelin. Same public getters (learners, instructors, institutions,
// courses, learnerIdToAddress), the same batch mint functions and the same
// events with the same signatures, so their topic hashes match; ERC-1155
// balances (balanceOf, balanceOfBatch, TransferSingle) and soulbound tokens.
// Additions for tests only: burn (owner), which the original lacks.
pragma solidity ^0.8.20;

contract LearningTokens {
    struct Learner { uint256 _learnerId; string learnerName; uint256 createdAt; string lat; string long; }
    struct Instructor { uint256 _instructorId; string instructorName; uint256 createdAt; }
    struct InstitutionInstructor { uint256 _institutionId; uint256 _instructorId; string _instructorName; bool isActive; uint256 createdAt; }
    struct Institution {
        uint256 _institutionId; string institutionName; uint256 createdAt; bool status; string lat; string long;
        mapping(address => InstitutionInstructor) institutionInstructors;
    }
    struct Course {
        uint256 _instructorId; uint256 _institutionId; address _institutionAddress; address _instructorAddress;
        uint256 createdAt; string courseName; uint256 totalSupply; uint256 courseHelpingTokneId;
        string scoringGuideGradingPolicyBookURL;
        mapping(address => bool) courseLearners;
    }
    struct TokenMetadatas {
        uint256 _institutionId; uint256 _instructorId; uint256 _tokenId; uint256 createdAt; uint256 courseId;
        string fieldOfKnowledge; string skill;
    }

    address public owner;
    mapping(address => Learner) public learners;
    mapping(address => Instructor) public instructors;
    mapping(address => Institution) public institutions;
    mapping(uint256 => Course) public courses;
    mapping(uint256 => address) public learnerIdToAddress;
    mapping(address => bool) public isLearner;
    mapping(address => bool) public isInstructor;
    mapping(address => TokenMetadatas[]) internal learnerTokenMetaDataFactory;
    mapping(uint256 => mapping(address => uint256)) internal balances;

    uint256 public courseId;
    uint256 public instiutionId;
    uint256 public learnerId;
    uint256 public instructorId;
    uint256 public courseTokenCounter;

    event InstitutionRegistered(uint256 indexed institutionId, string institutionName, uint256 registeredTime);
    event InstructorRegistered(uint256 indexed instructorId, string instructorName, uint256 registeredTime);
    event LearnerRegistered(uint256 indexed learnerId, string learnerName, uint256 registeredTime);
    event InstructorRegisteredUnderInstitution(uint256 indexed instructorId, string instructorName, uint256 indexed institutionId, string institutionName, uint256 registeredTime);
    event CourseCreated(uint256 indexed courseId, uint256 instructorId, uint256 institutionId, string courseName);
    event AttendanceTokenMinted(address indexed holder, uint256 indexed tokenId, uint256 indexed courseId, uint256 amount);
    event ScoreTokenMinted(address indexed holder, uint256 indexed tokenId, uint256 indexed courseId, uint256 amount, string fieldOfKnowledge, string skillName);
    event HelpingTokenMinted(address indexed holder, uint256 indexed tokenId, uint256 indexed courseId, uint256 amount);
    event InstructorScoreTokenMinted(address indexed holder, uint256 indexed tokenId, uint256 indexed courseId, uint256 amount);
    event TransferSingle(address indexed operator, address indexed from, address indexed to, uint256 id, uint256 value);

    modifier onlyOwner() { require(msg.sender == owner, "not the owner"); _; }

    constructor() { owner = msg.sender; }

    // ---- ERC-1155 balances (soulbound: no transfers) ----

    function balanceOf(address account, uint256 id) public view returns (uint256) { return balances[id][account]; }

    function balanceOfBatch(address[] memory accounts, uint256[] memory ids) public view returns (uint256[] memory out) {
        require(accounts.length == ids.length, "length mismatch");
        out = new uint256[](accounts.length);
        for (uint256 i = 0; i < accounts.length; i++) { out[i] = balances[ids[i]][accounts[i]]; }
    }

    function uri(uint256) public pure returns (string memory) { return ""; }

    function supportsInterface(bytes4 id) public pure returns (bool) { return id == 0xd9b67a26 || id == 0x01ffc9a7; }

    function burn(address holder, uint256 id, uint256 amount) public onlyOwner {
        require(balances[id][holder] >= amount, "burn exceeds balance");
        balances[id][holder] -= amount;
        emit TransferSingle(msg.sender, holder, address(0), id, amount);
    }

    // ---- registry ----

    function registerInstitution(string memory name, address addr, uint256 createdAt, string memory lat, string memory long) public onlyOwner {
        Institution storage i = institutions[addr];
        require(!i.status, "institution already registered");
        i._institutionId = instiutionId; i.institutionName = name; i.createdAt = createdAt; i.status = true; i.lat = lat; i.long = long;
        emit InstitutionRegistered(instiutionId, name, createdAt);
        instiutionId++;
    }

    function registerInstructor(string memory name, uint256 createdAt) public {
        require(!isInstructor[msg.sender], "instructor already registered");
        instructors[msg.sender] = Instructor(instructorId, name, createdAt);
        isInstructor[msg.sender] = true;
        emit InstructorRegistered(instructorId, name, createdAt);
        instructorId++;
    }

    function registerLearner(string memory name, uint256 createdAt, string memory lat, string memory long) public {
        require(!isLearner[msg.sender], "learner already registered");
        learners[msg.sender] = Learner(learnerId, name, createdAt, lat, long);
        learnerIdToAddress[learnerId] = msg.sender;
        isLearner[msg.sender] = true;
        emit LearnerRegistered(learnerId, name, createdAt);
        learnerId++;
    }

    function addInstructorToInstitution(address instructor, uint256 createdAt) public {
        Institution storage i = institutions[msg.sender];
        require(i.status, "not a registered institution");
        require(isInstructor[instructor], "not a registered instructor");
        Instructor storage ins = instructors[instructor];
        i.institutionInstructors[instructor] = InstitutionInstructor(i._institutionId, ins._instructorId, ins.instructorName, true, createdAt);
        emit InstructorRegisteredUnderInstitution(ins._instructorId, ins.instructorName, i._institutionId, i.institutionName, createdAt);
    }

    function getInstructorDetails(address institution, address instructor) public view returns (InstitutionInstructor memory) {
        return institutions[institution].institutionInstructors[instructor];
    }

    function createCourse(address institution, string memory courseName, uint256 createdAt, address[] memory learnerAddrs, string memory scoringGuideURL) public {
        require(institutions[institution].institutionInstructors[msg.sender].isActive, "not an active instructor of the institution");
        Course storage c = courses[courseId];
        c._instructorId = instructors[msg.sender]._instructorId;
        c._institutionId = institutions[institution]._institutionId;
        c._institutionAddress = institution;
        c._instructorAddress = msg.sender;
        c.createdAt = createdAt;
        c.courseName = courseName;
        c.courseHelpingTokneId = courseTokenCounter;
        courseTokenCounter++;
        c.scoringGuideGradingPolicyBookURL = scoringGuideURL;
        for (uint256 k = 0; k < learnerAddrs.length; k++) {
            require(isLearner[learnerAddrs[k]], "learner not registered");
            c.courseLearners[learnerAddrs[k]] = true;
        }
        emit CourseCreated(courseId, c._instructorId, c._institutionId, courseName);
        courseId++;
    }

    function getLearnerTokenMetadata(address learner) public view returns (TokenMetadatas[] memory) {
        return learnerTokenMetaDataFactory[learner];
    }

    // ---- minting (the course's instructor, active in its institution) ----

    uint8 constant ATTENDANCE = 0;
    uint8 constant SCORE = 1;
    uint8 constant HELPING = 2;
    uint8 constant INSTRUCTOR_SCORE = 3;

    function checkMinter(uint256 cid) internal view returns (Course storage c) {
        c = courses[cid];
        require(c._instructorAddress == msg.sender, "not the course's instructor");
        require(institutions[c._institutionAddress].institutionInstructors[msg.sender].isActive, "not an active instructor");
    }

    function mintOne(uint8 kind, address to, uint256 amount, uint256 cid, uint256 createdAt, string memory fok, string memory skill) internal {
        Course storage c = checkMinter(cid);
        require(c.courseLearners[to], "learner not in the course");
        uint256 id;
        if (kind == HELPING) {
            id = c.courseHelpingTokneId;
        } else {
            id = courseTokenCounter;
            courseTokenCounter++;
        }
        balances[id][to] += amount;
        learnerTokenMetaDataFactory[to].push(TokenMetadatas(c._institutionId, c._instructorId, id, createdAt, cid, fok, skill));
        emit TransferSingle(msg.sender, address(0), to, id, amount);
        if (kind == ATTENDANCE) emit AttendanceTokenMinted(to, id, cid, amount);
        else if (kind == SCORE) emit ScoreTokenMinted(to, id, cid, amount, fok, skill);
        else if (kind == HELPING) emit HelpingTokenMinted(to, id, cid, amount);
        else emit InstructorScoreTokenMinted(to, id, cid, amount);
    }

    function batchMint(uint8 kind, uint256[] memory learnerIds, uint256[] memory amounts, uint256 cid, uint256 createdAt, string memory fok, string memory skill) internal {
        require(learnerIds.length == amounts.length, "length mismatch");
        for (uint256 k = 0; k < learnerIds.length; k++) {
            mintOne(kind, learnerIdToAddress[learnerIds[k]], amounts[k], cid, createdAt, fok, skill);
        }
    }

    function batchMintAttendanceToken(uint256[] memory learnerIds, uint256[] memory amounts, uint256 cid, uint256 createdAt, string memory fieldOfKnowledge, string memory skill) public {
        batchMint(ATTENDANCE, learnerIds, amounts, cid, createdAt, fieldOfKnowledge, skill);
    }

    function batchMintScoreToken(uint256[] memory learnerIds, uint256[] memory amounts, uint256 cid, uint256 createdAt, string memory fieldOfKnowledge, string memory skillName) public {
        batchMint(SCORE, learnerIds, amounts, cid, createdAt, fieldOfKnowledge, skillName);
    }

    function batchMintHelpingToken(uint256[] memory learnerIds, uint256[] memory amounts, uint256 cid, uint256 createdAt, string memory fieldOfKnowledge, string memory skill) public {
        batchMint(HELPING, learnerIds, amounts, cid, createdAt, fieldOfKnowledge, skill);
    }

    function batchMintInstructorScoreToken(uint256[] memory learnerIds, uint256[] memory amounts, uint256 cid, uint256 createdAt, string memory fieldOfKnowledge) public {
        batchMint(INSTRUCTOR_SCORE, learnerIds, amounts, cid, createdAt, fieldOfKnowledge, "");
    }
}
